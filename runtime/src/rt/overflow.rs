//! A task that overflows its stack ends the process with a message naming
//! the task, its stack size and how to raise it, as std does for its
//! threads, instead of a bare SIGSEGV.
//!
//! A task's stack (corosensei's `DefaultStack`) has a guard page below it,
//! and Rust's stack probes touch every page of a large frame in order, so
//! an overflow faults in that page. A SIGSEGV/SIGBUS handler, run on the
//! thread's alternate signal stack (the task's own stack is exhausted),
//! checks whether the faulting address is in the guard page of the task
//! running on this thread. If so it writes the message and aborts; any
//! other fault goes on to the handler installed before ours (std's, which
//! reports the overflow of a thread's own stack) or to the default action.
//!
//! Only Linux and macOS, where the faulting address is known; elsewhere a
//! task overflow stays the platform's fault.

use std::cell::Cell;

/// The stack of the task running on this thread, as the fault handler
/// reads it: plain values and a pointer to the name, which the runner's
/// [`TaskStack`] keeps alive while the task runs.
#[derive(Clone, Copy)]
struct Running {
    guard_lo: usize,
    guard_hi: usize,
    task: usize,
    stack_size: usize,
    name: *const u8,
    name_len: usize,
}

thread_local! {
    /// The stack of the task running on this thread, if any. Read by the
    /// signal handler: a `const` thread-local with no destructor, so
    /// reading it there touches no lazy initialisation. A pointer, so a
    /// task switch writes one word: the runner's `TaskStack` does not move
    /// while its task runs (the runner only changes its list of
    /// coroutines between switches).
    static RUNNING: Cell<*const Running> = const { Cell::new(std::ptr::null()) };
}

/// What the fault handler needs of one task's stack, made when its
/// coroutine is.
pub(super) struct TaskStack {
    running: Running,
    /// Keeps `running.name` valid.
    _name: Option<std::sync::Arc<str>>,
}

impl TaskStack {
    /// Task `task` (named `name`) runs on a stack of `stack_size` usable
    /// bytes whose guard page starts at `limit`, the lowest address of its
    /// mapping.
    pub(super) fn new(
        task: usize,
        name: Option<std::sync::Arc<str>>,
        limit: usize,
        stack_size: usize,
    ) -> TaskStack {
        let page = page_size();
        let (ptr, len) = name.as_deref().map_or((std::ptr::null(), 0), |n| (n.as_ptr(), n.len()));
        TaskStack {
            running: Running {
                guard_lo: limit,
                guard_hi: limit + page,
                task,
                stack_size,
                name: ptr,
                name_len: len,
            },
            _name: name,
        }
    }
}

/// Marks `stack` as the one running on this thread until the guard drops.
#[inline]
pub(super) fn running_on(stack: &TaskStack) -> RunningGuard {
    let previous = RUNNING.with(|r| r.replace(&stack.running));
    RunningGuard(previous)
}

/// Restores the stack that ran before (the scheduler's: none).
pub(super) struct RunningGuard(*const Running);

impl Drop for RunningGuard {
    #[inline]
    fn drop(&mut self) {
        RUNNING.with(|r| r.set(self.0));
    }
}

/// The page size, asked of the system once.
fn page_size() -> usize {
    static PAGE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let cached = PAGE.load(std::sync::atomic::Ordering::Relaxed);
    if cached != 0 {
        return cached;
    }
    #[cfg(unix)]
    // SAFETY: sysconf has no preconditions.
    let size = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    #[cfg(not(unix))]
    let size = 4096;
    PAGE.store(size, std::sync::atomic::Ordering::Relaxed);
    size
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
pub(super) use imp::prepare_thread;

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
/// Nothing to prepare where overflows are not detected.
pub(super) fn prepare_thread() {}

#[cfg(any(target_os = "linux", target_os = "macos"))]
mod imp {
    use std::cell::Cell;
    use std::fmt::Write;
    use std::sync::{Once, OnceLock};

    use super::{Running, RUNNING};

    /// The handlers installed before ours, for SIGSEGV and SIGBUS.
    static PREVIOUS: OnceLock<[libc::sigaction; 2]> = OnceLock::new();

    const SIGNALS: [libc::c_int; 2] = [libc::SIGSEGV, libc::SIGBUS];

    /// The size of the alternate signal stack goweave adds to a thread
    /// that has none: the handler formats one line.
    const ALT_STACK: usize = 64 * 1024;

    /// Installs the handler (once per process) and makes sure this thread
    /// has an alternate signal stack (once per thread): call before a
    /// thread runs tasks.
    pub(in crate::rt) fn prepare_thread() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(install);
        thread_local! {
            static ALT: Cell<bool> = const { Cell::new(false) };
            static OWNED: AltStack = const { AltStack(Cell::new(0)) };
        }
        if ALT.with(|a| a.replace(true)) {
            return;
        }
        // SAFETY: `stack_t` is plain data, valid all zeroes.
        let mut old: libc::stack_t = unsafe { std::mem::zeroed() };
        // SAFETY: querying the current alternate stack writes only `old`.
        if unsafe { libc::sigaltstack(std::ptr::null(), &mut old) } != 0
            || old.ss_flags & libc::SS_DISABLE == 0
        {
            return; // std's threads have one already.
        }
        // SAFETY: a fresh private anonymous mapping, given to sigaltstack;
        // `AltStack` disables it before unmapping at thread exit.
        unsafe {
            let stack = libc::mmap(
                std::ptr::null_mut(),
                ALT_STACK,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANON,
                -1,
                0,
            );
            if stack == libc::MAP_FAILED {
                return;
            }
            let new = libc::stack_t { ss_sp: stack, ss_flags: 0, ss_size: ALT_STACK };
            if libc::sigaltstack(&new, std::ptr::null_mut()) != 0 {
                libc::munmap(stack, ALT_STACK);
                return;
            }
            OWNED.with(|o| o.0.set(stack as usize));
        }
    }

    /// An alternate signal stack goweave mapped for this thread.
    struct AltStack(Cell<usize>);

    impl Drop for AltStack {
        fn drop(&mut self) {
            let stack = self.0.get();
            if stack == 0 {
                return;
            }
            // SAFETY: disable the alternate stack, then unmap what we mapped.
            unsafe {
                let off =
                    libc::stack_t { ss_sp: std::ptr::null_mut(), ss_flags: libc::SS_DISABLE, ss_size: 0 };
                libc::sigaltstack(&off, std::ptr::null_mut());
                libc::munmap(stack as *mut libc::c_void, ALT_STACK);
            }
        }
    }

    fn install() {
        // SAFETY: sigaction with valid pointers; the previous handlers are
        // stored before ours can run, so the handler always finds them.
        unsafe {
            let mut previous: [libc::sigaction; 2] = std::mem::zeroed();
            for (signal, old) in SIGNALS.iter().zip(previous.iter_mut()) {
                libc::sigaction(*signal, std::ptr::null(), old);
            }
            if PREVIOUS.set(previous).is_err() {
                return;
            }
            for signal in SIGNALS {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fault as *const () as libc::sighandler_t;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    }

    #[cfg(target_os = "linux")]
    unsafe fn fault_address(info: *const libc::siginfo_t) -> usize {
        // SAFETY: the kernel filled `info` for a SIGSEGV/SIGBUS.
        unsafe { (*info).si_addr() as usize }
    }

    #[cfg(target_os = "macos")]
    unsafe fn fault_address(info: *const libc::siginfo_t) -> usize {
        // SAFETY: the kernel filled `info` for a SIGSEGV/SIGBUS.
        unsafe { (*info).si_addr as usize }
    }

    extern "C" fn on_fault(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        // SAFETY: called by the kernel with a valid `info`.
        let address = unsafe { fault_address(info) };
        // SAFETY: the pointer is null or points to the `Running` of the
        // task running on this thread, which outlives its run.
        if let Some(running) = RUNNING.try_with(Cell::get).ok().and_then(|r| unsafe { r.as_ref() }) {
            if (running.guard_lo..running.guard_hi).contains(&address) {
                report(running);
            }
        }
        // Not a task's overflow: what would have happened without us.
        let index = usize::from(signal == libc::SIGBUS);
        let Some(previous) = PREVIOUS.get().map(|p| p[index]) else {
            return;
        };
        let handler = previous.sa_sigaction;
        // SAFETY: restoring or calling the handler that was installed
        // before ours, as it expects to be called.
        unsafe {
            if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
                // Returning re-runs the faulting instruction, which now
                // gets the default action.
                libc::sigaction(signal, &previous, std::ptr::null_mut());
            } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    std::mem::transmute(handler);
                f(signal, info, context);
            } else {
                let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
                f(signal);
            }
        }
    }

    /// Writes the overflow message to stderr and aborts. Formats into a
    /// buffer on the (alternate) stack: no allocation in a signal handler.
    fn report(running: &Running) -> ! {
        let mut out = Buffer { bytes: [0; 768], len: 0 };
        let name = if running.name.is_null() {
            ""
        } else {
            // SAFETY: the runner's `TaskStack` keeps the name alive while
            // its task runs, and it is UTF-8 (a `str`).
            unsafe {
                std::str::from_utf8_unchecked(std::slice::from_raw_parts(running.name, running.name_len))
            }
        };
        let _ = write!(out, "\ngoweave: task {}", running.task);
        if !name.is_empty() {
            let _ = write!(out, " \"{name}\"");
        } else if running.task == 0 {
            let _ = write!(out, " (test body)");
        }
        let (size, unit) = match running.stack_size {
            s if s % (1 << 20) == 0 => (s >> 20, "MiB"),
            s => (s >> 10, "KiB"),
        };
        let _ = write!(
            out,
            " has overflowed its stack of {size} {unit}.\nRaise every task's stack with Config::stack_size(bytes) \
             or the attribute's `stack_size = <bytes>`, or one task's with Builder::stack_size(bytes); \
             or look for unbounded recursion.\nfatal runtime error: stack overflow in a goweave task, \
             aborting\n"
        );
        // SAFETY: write(2) and abort(3) are async-signal-safe.
        unsafe {
            libc::write(2, out.bytes.as_ptr().cast(), out.len);
            libc::abort();
        }
    }

    /// A fixed buffer that `write!` fills, truncating what does not fit.
    struct Buffer {
        bytes: [u8; 768],
        len: usize,
    }

    impl Write for Buffer {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let n = s.len().min(self.bytes.len() - self.len);
            self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }
}
