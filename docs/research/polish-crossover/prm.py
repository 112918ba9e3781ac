import numpy as np
def gap(A,x,y): return float((A@y).max()-(A.T@x).min())
def prm_plus(A, checkpoints, rng_uniform=True):
    """simultaneous PRM+ with t^2 averaging; yields (t, xbar, ybar, Qx, Qy, x_t, y_t) at checkpoints"""
    m,n=A.shape
    Qx=np.zeros(m); Qy=np.zeros(n); rxp=np.zeros(m); ryp=np.zeros(n)
    sx=np.zeros(m); sy=np.zeros(n); W=0.0
    cps=set(checkpoints); T=max(checkpoints)
    for t in range(1,T+1):
        px=np.maximum(Qx+rxp,0); s=px.sum(); x=px/s if s>0 else np.full(m,1/m)
        py=np.maximum(Qy+ryp,0); s=py.sum(); y=py/s if s>0 else np.full(n,1/n)
        u=A@y; w=A.T@x
        rx=u-u@x; ry=w@y-w
        Qx=np.maximum(Qx+rx,0); Qy=np.maximum(Qy+ry,0); rxp=rx; ryp=ry
        wt=float(t)*t; sx+=wt*x; sy+=wt*y; W+=wt
        if t in cps:
            yield t, sx/W, sy/W, Qx.copy(), Qy.copy(), x, y
