"""Self-dual parametric simplex (Vanderbei) on the game LP, warm-started from a support-pair basis.
LP (P): min v  s.t.  A y - v 1 + s = 0, 1^T y = 1, y>=0, s>=0, v free.
Basis <-> (Sx, Sy), |Sx|=|Sy|=k: basic = y_Sy, v, s_i (i not in Sx). Nonbasic = y_j (j not in Sy), s_i (i in Sx).
Primal values: y_Sy (>=0), slack s_i = v - (A y)_i for i not in Sx (>=0).
Reduced costs: z_yj = (A^T x)_j - v for j not in Sy (>=0), z_si = x_i for i in Sx (>=0).
All solves use only the bordered (k+1)x(k+1) matrix M=[[A_SxSy,-1],[1^T,0]] plus full matvecs."""
import numpy as np, scipy.linalg as sl

class Basis:
    def __init__(s, A, inX, inY):
        s.A=A; s.inX=inX; s.inY=inY
        s.Sx=np.flatnonzero(inX); s.Sy=np.flatnonzero(inY); s.N=np.flatnonzero(~inX)
        k=len(s.Sx); assert len(s.Sy)==k and k>=1
        M=np.empty((k+1,k+1)); M[:k,:k]=A[np.ix_(s.Sx,s.Sy)]; M[:k,k]=-1; M[k,:k]=1; M[k,k]=0
        s.M=M; s.ANS=A[np.ix_(s.N,s.Sy)]
        s.lu,s.piv=sl.lu_factor(M,check_finite=False)
        dg=np.abs(np.diag(s.lu)); s.ok = dg.min()>1e-11*max(1.0,dg.max())
    def solve(s,b_rows,b_sum):
        """B z = b -> (z_y on Sy, z_v, z_s on N)"""
        k=len(s.Sx); rhs=np.append(b_rows[s.Sx],b_sum)
        z=sl.lu_solve((s.lu,s.piv),rhs)
        z+=sl.lu_solve((s.lu,s.piv),rhs-s.M@z)       # 1 step refinement
        zy=z[:k]; zv=z[k]
        zs=b_rows[s.N]-s.ANS@zy+zv
        return zy,zv,zs
    def solveT(s,c_y,c_v,c_s):
        """B^T pi = c_B; c_y on Sy, c_v scalar, c_s on N. returns pi_rows (m), pi_sum"""
        m=s.A.shape[0]; pr=np.zeros(m); pr[s.N]=c_s
        rhs=np.append(c_y-s.ANS.T@c_s, c_v+c_s.sum())
        z=sl.lu_solve((s.lu,s.piv),rhs,trans=1)
        z+=sl.lu_solve((s.lu,s.piv),rhs-s.M.T@z,trans=1)
        pr[s.Sx]=z[:-1]; return pr, z[-1]

def repair(B,inX,inY,rtol=1e-10):
    """M singular: SVD, null spaces of M and M^T; pivoted QR picks the q columns (y's) and q rows (x's)
    most involved in the null space; remove them (never the v column / sum row)."""
    U,sv,Vt=np.linalg.svd(B.M); k=len(B.Sx)
    q=int((sv<=rtol*sv[0]).sum()); q=max(q,1)
    Zc=Vt[-q:,:k]; Zr=U[:k,-q:].T           # q x k
    _,_,pc=sl.qr(Zc,pivoting=True,mode='economic'); _,_,pr=sl.qr(Zr,pivoting=True,mode='economic')
    inX=inX.copy(); inY=inY.copy()
    inY[B.Sy[pc[:q]]]=False; inX[B.Sx[pr[:q]]]=False
    return inX,inY

def sd_simplex(A, inX, inY, max_pivots=200, seed=0, ptol=1e-12, dtol=1e-12, verbose=False, target=None):
    m,n=A.shape
    inX=inX.copy(); inY=inY.copy()
    rng=np.random.default_rng(seed)
    B=Basis(A,inX,inY); nrep=0
    while not B.ok and nrep<5:      # basis repair: drop rows/cols spanning the numerical null space
        inX,inY=repair(B,inX,inY); nrep+=1
        if inX.sum()==0: return None,None,dict(why='repair-empty',pivots=0)
        B=Basis(A,inX,inY)
    if not B.ok: return None,None,dict(why='singular-start',pivots=0)
    # perturbations: xhat_B positive on basic y and s (random in [0.5,1]), zhat_N positive on nonbasic.
    # b_hat = B0 xhat_B (rows: A[:,Sy] yhat + shat on N ; sum: sum yhat); c_hat_N = zhat_N, c_hat_B=0
    yh=rng.uniform(0.5,1,len(B.Sy)); sh=rng.uniform(0.5,1,len(B.N))
    bh_rows=A[:,B.Sy]@yh; bh_rows[B.N]+=sh; bh_sum=yh.sum()
    ch_y=np.zeros(n); ch_s=np.zeros(m)
    ch_y[~inY]=rng.uniform(0.5,1,(~inY).sum()); ch_s[inX]=rng.uniform(0.5,1,inX.sum())
    # scale perturbations to the problem: primal values ~1/k, duals ~ |A|/k
    sc=1.0/len(B.Sy); bh_rows*=sc; bh_sum*=sc; ch_y*=sc; ch_s*=sc
    if target is not None:
        # homotopy from the approximate (PRM+) point at theta=1 to the exact LP at theta=0:
        # hat = target - current, target>0 (ybar on Sy, slack deficit on N, col excess on Ny, xbar on Sx)
        t_y,t_s,t_zy,t_zs=target(B)
        zy0,zv0,zs0=B.solve(np.zeros(m),1.0)
        pr0,ps0=B.solveT(np.zeros(len(B.Sy)),1.0,np.zeros(len(B.N))); x0=-pr0
        Ny0=np.flatnonzero(~inY)
        yh=t_y-zy0; sh=t_s-zs0
        bh_rows=A[:,B.Sy]@yh; bh_rows[B.N]+=sh; bh_sum=yh.sum()
        ch_y=np.zeros(n); ch_s=np.zeros(m)
        ch_y[Ny0]=t_zy-((A[:,Ny0].T@x0)-ps0); ch_s[B.Sx]=t_zs-x0[B.Sx]
    b_rows=np.zeros(m); b_sum=1.0
    piv=0; theta_prev=np.inf
    while True:
        # primal
        zy,zv,zs=B.solve(b_rows,b_sum); hy,hv,hs=B.solve(bh_rows,bh_sum)
        # dual (c: v has cost 1) -> x=-pi_rows
        pr,ps=B.solveT(np.zeros(len(B.Sy)),1.0,np.zeros(len(B.N)))
        x=-pr; v=ps
        prh,psh=B.solveT(ch_y[B.Sy],0.0,ch_s[B.N])
        Ny=np.flatnonzero(~B.inY); ATNy=A.T[Ny]
        dz_y=(ATNy@x)-v                       # reduced cost of y_j, j nonbasic
        hz_y=ch_y[Ny]-(ATNy@prh+psh)
        dz_s=x[B.Sx]; hz_s=ch_s[B.Sx]-prh[B.Sx]
        # theta* over primal basic (y_Sy, s_N) and dual nonbasic (y_Ny, s_Sx)
        def crit(val,hat):
            with np.errstate(divide='ignore',invalid='ignore'):
                r=np.where(hat>0,-val/hat,np.where(val<0,np.inf,-np.inf))
            return r
        cands=[crit(zy,hy),crit(zs,hs),crit(dz_y,hz_y),crit(dz_s,hz_s)]
        best=[(c.max() if len(c) else -np.inf) for c in cands]
        kind=int(np.argmax(best)); th=best[kind]
        # optimality for theta=0: check directly with tolerances
        if zy.min(initial=0)>=-ptol and zs.min(initial=0)>=-ptol and dz_y.min(initial=0)>=-dtol and dz_s.min(initial=0)>=-dtol:
            xx=np.zeros(m); xx[B.Sx]=x[B.Sx]; yy=np.zeros(n); yy[B.Sy]=zy
            return xx,yy,dict(why='ok',pivots=piv,k=len(B.Sx),v=zv,repairs=nrep)
        if piv>=max_pivots: return None,None,dict(why='maxpivots',pivots=piv)
        if th==np.inf: return None,None,dict(why='inf-theta',pivots=piv)
        th=max(th,0.0)
        idx=int(np.argmax(cands[kind]))
        if kind>=2:
            # primal pivot: entering nonbasic q; direction d = B^{-1} K_q
            if kind==2:
                j=Ny[idx]; br=A[:,j].copy(); bs=1.0; ent=('y',j)
            else:
                i=B.Sx[idx]; br=np.zeros(m); br[i]=1.0; bs=0.0; ent=('s',i)
            dy,dv,ds=B.solve(br,bs)
            # x_B(theta) - t d >= 0 ; leaving: min over d>0 of (val+th*hat)/d  (v free, skipped)
            valy=zy+th*hy; vals=zs+th*hs
            with np.errstate(divide='ignore',invalid='ignore'):
                ry=np.where(dy>1e-12,valy/dy,np.inf); rs=np.where(ds>1e-12,vals/ds,np.inf)
            if min(ry.min(initial=np.inf),rs.min(initial=np.inf))==np.inf: return None,None,dict(why='unbounded',pivots=piv)
            if ry.min(initial=np.inf)<=rs.min(initial=np.inf): lv=('y',B.Sy[int(np.argmin(ry))])
            else: lv=('s',B.N[int(np.argmin(rs))])
        else:
            # dual pivot: leaving basic r; row rho = B^{-T} e_r; alpha_q = rho^T K_q for nonbasic q
            if kind==0:
                j=B.Sy[idx]; cy=np.zeros(len(B.Sy)); cy[idx]=1; rr,rsum=B.solveT(cy,0.0,np.zeros(len(B.N))); lv=('y',j)
            else:
                i=B.N[idx]; cs=np.zeros(len(B.N)); cs[idx]=1; rr,rsum=B.solveT(np.zeros(len(B.Sy)),0.0,cs); lv=('s',i)
            al_y=ATNy@rr+rsum; al_s=rr[B.Sx]
            # leaving var's value is negative at theta -> entering q must have alpha<0; ratio (z+th*zh)/(-alpha)
            vy=dz_y+th*hz_y; vs=dz_s+th*hz_s
            with np.errstate(divide='ignore',invalid='ignore'):
                qy=np.where(al_y<-1e-12,vy/(-al_y),np.inf); qs=np.where(al_s<-1e-12,vs/(-al_s),np.inf)
            if min(qy.min(initial=np.inf),qs.min(initial=np.inf))==np.inf: return None,None,dict(why='infeasible',pivots=piv)
            if qy.min(initial=np.inf)<=qs.min(initial=np.inf): ent=('y',Ny[int(np.argmin(qy))])
            else: ent=('s',B.Sx[int(np.argmin(qs))])
        # apply pivot: entering y_j -> inY[j]=True ; entering s_i -> inX[i]=False ; leaving y_j -> inY[j]=False ; leaving s_i -> inX[i]=True
        if ent[0]=='y': inY[ent[1]]=True
        else: inX[ent[1]]=False
        if lv[0]=='y': inY[lv[1]]=False
        else: inX[lv[1]]=True
        piv+=1
        if verbose: print(f"  piv {piv} kind={kind} th={th:.2e} enter={ent} leave={lv} k={inX.sum()},{inY.sum()}")
        B=Basis(A,inX,inY)
        if not B.ok: return None,None,dict(why='singular',pivots=piv)
