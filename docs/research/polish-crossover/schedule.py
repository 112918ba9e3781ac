import numpy as np, sys, time
from prm import prm_plus, gap
from sdsimplex import sd_simplex
from polish import certify
from exp2 import initial_support
from exp3 import make_target
def run(m,n,s,cap_frac=0.5,kmode='Q',cps=(50,100,200,400,800,1600,3200)):
    A=np.random.default_rng(s).uniform(-1,1,(m,n))
    try:
        g=np.load(f"gt_{m}x{n}_s{s}.npz"); Sx=g['x']>1e-9; Sy=g['y']>1e-9; vlp=float(g['v'])
    except FileNotFoundError: Sx=Sy=None; vlp=np.nan
    log=[]; totpiv=0; totlu=0
    for t,xb,yb,Qx,Qy,_,_ in prm_plus(A,list(cps)):
        G=gap(A,xb,yb)
        inX,inY=initial_support(A,xb,yb,Qx,Qy,kmode)
        err=int((inX^Sx).sum()+(inY^Sy).sum()) if Sx is not None else -1
        cap=max(20,int(cap_frac*t))
        x,y,info=sd_simplex(A,inX,inY,max_pivots=cap,target=make_target(A,xb,yb,1e-3*G))
        totpiv+=info['pivots']; totlu+=info['pivots']+1
        c=certify(A,x,y,1e-9) if x is not None else None
        ok = c is not None and c[2]<=1e-9
        log.append(f"T={t}:err0={err},piv={info['pivots']},{info['why']}")
        if ok:
            match = (Sx is None) or (bool(((c[0]>0)==Sx).all() and ((c[1]>0)==Sy).all()))
            return dict(game=f"{m}x{n}_s{s}",T=t,k=int((c[0]>0).sum()),gap=c[2],v=float(c[0]@A@c[1]),vlp=vlp,match_lp_support=match,
                        piv_success=info['pivots'],piv_total=totpiv,lu_total=totlu,log=log)
    return dict(game=f"{m}x{n}_s{s}",T=None,log=log)
if __name__=="__main__":
    m,n=int(sys.argv[1]),int(sys.argv[2]); seeds=[int(a) for a in sys.argv[3].split(',')]
    cf=float(sys.argv[4]) if len(sys.argv)>4 else 0.5
    for s in seeds:
        t0=time.time(); r=run(m,n,s,cf); r['wall']=round(time.time()-t0,1); print(r,flush=True)
