//! Ports of test/chan/powser1.go: McIlroy's power series, where a series is
//! a demand channel (ask on `req`, get the next rational coefficient on
//! `dat`) served by a task, and operations on series are networks of
//! tasks. Only the operations its test mode uses are ported, each checked
//! on fewer terms (`N` = 5 instead of 10).
//!
//! Go's program returns from `main` with its series generators still
//! running (`Ones` and `Twos` repeat forever, and every operation leaves
//! its tasks waiting for the next demand). goweave reports tasks blocked
//! when the body returns as leaked (README, "What it does"; docs/API.md,
//! `Leak`), so these tests expect `leak`, which is reported only once the
//! body has checked every coefficient (a wrong one is a `panic` instead).

use std::sync::atomic::{AtomicI64, Ordering};

use goweave::chan::{never, never_sender, Receiver, Sender};
use goweave::{chan, go, select};

const N: usize = 5;

/// A rational number; a zero denominator marks the end of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rat {
    num: i64,
    den: i64,
}

fn gcd(u: i64, v: i64) -> i64 {
    if u < 0 {
        return gcd(-u, v);
    }
    if u == 0 {
        return v;
    }
    gcd(v % u, u)
}

fn i2tor(u: i64, v: i64) -> Rat {
    let g = gcd(u, v);
    if v > 0 {
        Rat { num: u / g, den: v / g }
    } else {
        Rat { num: -u / g, den: -v / g }
    }
}

fn itor(u: i64) -> Rat {
    i2tor(u, 1)
}

const ZERO: Rat = Rat { num: 0, den: 1 };
const ONE: Rat = Rat { num: 1, den: 1 };
const FINIS: Rat = Rat { num: 1, den: 0 };

fn end(u: Rat) -> i64 {
    i64::from(u.den == 0)
}

fn add(u: Rat, v: Rat) -> Rat {
    let g = gcd(u.den, v.den);
    i2tor(u.num * (v.den / g) + v.num * (u.den / g), u.den * (v.den / g))
}

fn mul(u: Rat, v: Rat) -> Rat {
    let g1 = gcd(u.num, v.den);
    let g2 = gcd(u.den, v.num);
    Rat { num: (u.num / g1) * (v.num / g2), den: (u.den / g2) * (v.den / g1) }
}

fn neg(u: Rat) -> Rat {
    i2tor(-u.num, u.den)
}

/// Go's `seqno`: a plain global every task increments (a data race there),
/// sent on demand channels and never read. A std atomic stands in for it.
fn seqno() -> i64 {
    static SEQNO: AtomicI64 = AtomicI64::new(0);
    SEQNO.fetch_add(1, Ordering::Relaxed) + 1
}

/// A demand channel: both ends of `req` and `dat`.
#[derive(Clone)]
struct Dch {
    req_tx: Sender<i64>,
    req: Receiver<i64>,
    dat_tx: Sender<Rat>,
    dat: Receiver<Rat>,
}

/// A power series.
type Ps = Dch;

fn mkdch() -> Dch {
    let (req_tx, req) = chan::<i64>(0);
    let (dat_tx, dat) = chan::<Rat>(0);
    Dch { req_tx, req, dat_tx, dat }
}

fn mkdch2() -> [Dch; 2] {
    [mkdch(), mkdch()]
}

/// One generation of `split`: serves one rational of `input` to both
/// outputs, which may be read at different rates. The newest generation
/// serves `out[0]`; an older one signals on `release` once it served
/// `out[1]`, and the next newer one then serves `out[1]` too.
fn dosplit(input: Dch, mut out: [Dch; 2], wait: Receiver<i32>) {
    let mut both = false; // do not serve both outputs
    let mut swap = false;
    select! {
        recv(out[0].req) -> _ => {},
        recv(wait) -> _ => {
            both = true;
            select! {
                recv(out[0].req) -> _ => {},
                recv(out[1].req) -> _ => swap = true,
            }
        },
    }
    if swap {
        out.swap(0, 1);
    }
    input.req_tx.send(seqno());
    let (release, release_rx) = chan::<i32>(0);
    let (i, o) = (input.clone(), out.clone());
    go(move || dosplit(i, o, release_rx));
    let dat = input.dat.recv().unwrap();
    out[0].dat_tx.send(dat);
    if !both {
        wait.recv();
    }
    out[1].req.recv();
    out[1].dat_tx.send(dat);
    release.send(0);
}

fn split(input: Dch, out: [Dch; 2]) {
    let (release, release_rx) = chan::<i32>(0);
    go(move || dosplit(input, out, release_rx));
    release.send(0);
}

fn put(dat: Rat, out: &Dch) {
    out.req.recv();
    out.dat_tx.send(dat);
}

fn get(input: &Dch) -> Rat {
    input.req_tx.send(seqno());
    input.dat.recv().unwrap()
}

/// One rational from each of two demand channels, asked and read in
/// whatever order they are ready.
fn get2(in0: &Dch, in1: &Dch) -> [Rat; 2] {
    let mut req = [in0.req_tx.clone(), in1.req_tx.clone()];
    let mut dat = [never::<Rat>(), never::<Rat>()];
    let mut out = [ZERO; 2];
    for _ in 0..4 {
        let s = seqno();
        let step = select! {
            send(req[0], s) => 0,
            send(req[1], s) => 1,
            recv(dat[0]) -> it => {
                out[0] = it.unwrap();
                2
            },
            recv(dat[1]) -> it => {
                out[1] = it.unwrap();
                3
            },
        };
        match step {
            0 => {
                dat[0] = in0.dat.clone();
                req[0] = never_sender();
            }
            1 => {
                dat[1] = in1.dat.clone();
                req[1] = never_sender();
            }
            i => dat[i - 2] = never(),
        }
    }
    out
}

fn copy(input: &Dch, out: &Dch) -> ! {
    loop {
        out.req.recv();
        out.dat_tx.send(get(input));
    }
}

fn repeat(dat: Rat, out: &Dch) -> ! {
    loop {
        put(dat, out);
    }
}

/// Two series equal to `u`.
#[allow(non_snake_case)]
fn Split(u: Ps) -> [Dch; 2] {
    let uu = mkdch2();
    let out = uu.clone();
    go(move || split(u, out));
    uu
}

#[allow(non_snake_case)]
fn Add(u: Ps, v: Ps) -> Ps {
    let z = mkdch();
    let zz = z.clone();
    go(move || loop {
        zz.req.recv();
        let uv = get2(&u, &v);
        match end(uv[0]) + 2 * end(uv[1]) {
            0 => zz.dat_tx.send(add(uv[0], uv[1])),
            1 => {
                zz.dat_tx.send(uv[1]);
                copy(&v, &zz);
            }
            2 => {
                zz.dat_tx.send(uv[0]);
                copy(&u, &zz);
            }
            _ => zz.dat_tx.send(FINIS),
        }
    });
    z
}

/// A series times a constant.
#[allow(non_snake_case)]
fn Cmul(c: Rat, u: Ps) -> Ps {
    let z = mkdch();
    let zz = z.clone();
    go(move || {
        let mut done = false;
        while !done {
            zz.req.recv();
            let u = get(&u);
            if end(u) != 0 {
                done = true;
            } else {
                zz.dat_tx.send(mul(c, u));
            }
        }
        zz.dat_tx.send(FINIS);
    });
    z
}

#[allow(non_snake_case)]
fn Sub(u: Ps, v: Ps) -> Ps {
    Add(u, Cmul(neg(ONE), v))
}

/// The series repeating `c`.
#[allow(non_snake_case)]
fn Rep(c: Rat) -> Ps {
    let z = mkdch();
    let zz = z.clone();
    go(move || repeat(c, &zz));
    z
}

/// The product: with U = u + x*UU and V = v + x*VV,
/// UV = u*v + x*(u*VV + v*UU) + x*x*UU*VV.
#[allow(non_snake_case)]
fn Mul(u: Ps, v: Ps) -> Ps {
    let z = mkdch();
    let zz = z.clone();
    go(move || {
        zz.req.recv();
        let uv = get2(&u, &v);
        if end(uv[0]) != 0 || end(uv[1]) != 0 {
            zz.dat_tx.send(FINIS);
        } else {
            zz.dat_tx.send(mul(uv[0], uv[1]));
            let [uu0, uu1] = Split(u);
            let [vv0, vv1] = Split(v);
            let w = Add(Cmul(uv[0], vv0), Cmul(uv[1], uu0));
            zz.req.recv();
            zz.dat_tx.send(get(&w));
            copy(&Add(w, Mul(uu1, vv1)), &zz);
        }
    });
    z
}

/// The derivative.
#[allow(non_snake_case)]
fn Diff(u: Ps) -> Ps {
    let z = mkdch();
    let zz = z.clone();
    go(move || {
        zz.req.recv();
        let mut x = get(&u);
        if end(x) == 0 {
            let mut i = 1;
            loop {
                x = get(&u);
                if end(x) != 0 {
                    break;
                }
                zz.dat_tx.send(mul(itor(i), x));
                zz.req.recv();
                i += 1;
            }
        }
        zz.dat_tx.send(FINIS);
    });
    z
}

/// The integral, with constant of integration `c`.
#[allow(non_snake_case)]
fn Integ(c: Rat, u: Ps) -> Ps {
    let z = mkdch();
    let zz = z.clone();
    go(move || {
        put(c, &zz);
        let mut done = false;
        let mut i = 1;
        while !done {
            zz.req.recv();
            let x = get(&u);
            if end(x) != 0 {
                done = true;
            }
            zz.dat_tx.send(mul(i2tor(1, i), x));
            i += 1;
        }
        zz.dat_tx.send(FINIS);
    });
    z
}

/// exp(U) for U with constant term 0: Z = exp(U), DZ = Z*DU, integrated.
#[allow(non_snake_case)]
fn Exp(u: Ps) -> Ps {
    let zz = mkdch2();
    split(Integ(ONE, Mul(zz[0].clone(), Diff(u))), zz.clone());
    zz[1].clone()
}

/// U(c x^n): each coefficient times c^i, followed by n-1 zeros.
#[allow(non_snake_case)]
fn MonSubst(u: Ps, c0: Rat, n: usize) -> Ps {
    let z = mkdch();
    let zz = z.clone();
    go(move || {
        let mut c = ONE;
        loop {
            zz.req.recv();
            let x = get(&u);
            zz.dat_tx.send(mul(x, c));
            c = mul(c, c0);
            if end(x) != 0 {
                zz.dat_tx.send(FINIS);
                break;
            }
            for _ in 1..n {
                zz.req.recv();
                zz.dat_tx.send(ZERO);
            }
        }
    });
    z
}

/// The next `count` coefficients of `u` are all `c`.
fn check(u: &Ps, c: Rat, count: usize, what: &str) {
    for _ in 0..count {
        let r = get(u);
        assert_eq!(r, c, "{what}: got {r:?}, should get {c:?}");
    }
}

/// The next `N` coefficients of `u` are `a`.
fn checka(u: &Ps, a: &[Rat], what: &str) {
    for &c in &a[..N] {
        check(u, c, 1, what);
    }
}

// Ports test/chan/powser1.go (its checks of Ones, Add, Cmul and Sub).
#[goweave::concurrency_test(expect = "leak")]
fn powser_ones_add_cmul_sub() {
    let ones = Rep(ONE);
    let twos = Rep(itor(2));
    check(&ones, ONE, N, "Ones");
    check(&Add(ones.clone(), ones.clone()), itor(2), 0, "Add Ones Ones");
    check(&Add(ones.clone(), twos.clone()), itor(3), 0, "Add Ones Twos");
    check(&Cmul(neg(ONE), twos.clone()), itor(-2), N, "CMul");
    check(&Sub(ones, twos), itor(-1), 0, "Sub Ones Twos");
}

// Ports test/chan/powser1.go (its check of Diff: 1 2 3 4 5).
#[goweave::concurrency_test(expect = "leak")]
fn powser_diff() {
    let d = Diff(Rep(ONE));
    let a: Vec<Rat> = (1..=N as i64).map(itor).collect();
    checka(&d, &a, "Diff");
}

// Ports test/chan/powser1.go (its check of Integ: 0 1 1/2 1/3 1/4).
#[goweave::concurrency_test(expect = "leak")]
fn powser_integ() {
    let integ = Integ(ZERO, Rep(ONE));
    let a: Vec<Rat> = (0..N as i64).map(|i| if i == 0 { ZERO } else { i2tor(1, i) }).collect();
    checka(&integ, &a, "Integ");
}

// Ports test/chan/powser1.go (its check of Mul: Ones * Ones = 1 2 3 4 5).
#[goweave::concurrency_test(expect = "leak")]
fn powser_mul() {
    let ones = Rep(ONE);
    let m = Mul(ones.clone(), ones);
    let a: Vec<Rat> = (1..=N as i64).map(itor).collect();
    checka(&m, &a, "Mul");
}

// Ports test/chan/powser1.go (its check of Exp: 1 1 3/2 13/6 73/24).
#[goweave::concurrency_test(expect = "leak")]
fn powser_exp() {
    let e = Exp(Rep(ONE));
    let a = [itor(1), itor(1), i2tor(3, 2), i2tor(13, 6), i2tor(73, 24)];
    checka(&e, &a, "Exp");
}

// Ports test/chan/powser1.go (its check of ATan, the integral of
// 1/(1+x^2): 0 1 0 -1/3 0).
#[goweave::concurrency_test(expect = "leak")]
fn powser_atan() {
    let at = Integ(ZERO, MonSubst(Rep(ONE), neg(ONE), 2));
    let mut a = Vec::new();
    let mut c = 1;
    for i in 0..N as i64 {
        if i % 2 == 0 {
            a.push(ZERO);
        } else {
            a.push(i2tor(c, i));
            c = -c;
        }
    }
    checka(&at, &a, "ATan");
}
