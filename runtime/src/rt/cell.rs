//! The one cell type of model objects' values.
//!
//! A model object's value (a mutex's data, a channel's buffer, a task's
//! result, a `Shared` variable) is touched only by the task the engine
//! runs, and the engine runs one task at a time, on the exploration's one
//! thread. What grants a task the right to touch the value is the engine's
//! state (the task holds the lock, the task finished, the task is inside
//! an engine call), which the owner of the cell checks; the cell itself
//! only states that contract once, instead of every owner writing its own
//! `UnsafeCell` and `Sync` impl.

use std::cell::UnsafeCell;

/// A value of a model object, accessed as the engine's state allows.
pub(crate) struct ModelCell<T: ?Sized>(UnsafeCell<T>);

// SAFETY: a model object's value is only touched by the running task of
// an execution, on the exploration's one thread (the owners uphold this,
// see the module docs), so sharing the cell between tasks never lets two
// threads touch the value; `T: Send` because the value may be created on
// the test thread and dropped on an exploration thread.
unsafe impl<T: ?Sized + Send> Sync for ModelCell<T> {}

impl<T> ModelCell<T> {
    /// A cell holding `value`.
    pub(crate) const fn new(value: T) -> ModelCell<T> {
        ModelCell(UnsafeCell::new(value))
    }

    /// The value, consuming the cell.
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> ModelCell<T> {
    /// The value, through exclusive access to the cell.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    /// A shared reference to the value.
    ///
    /// # Safety
    /// The engine's state must grant the running task read access for as
    /// long as the reference lives, and no `&mut` to the value may exist
    /// meanwhile (see the owner's docs for which state that is).
    pub(crate) unsafe fn get(&self) -> &T {
        // SAFETY: the caller guarantees that no exclusive reference exists.
        unsafe { &*self.0.get() }
    }

    /// An exclusive reference to the value.
    ///
    /// # Safety
    /// The engine's state must grant the running task exclusive access for
    /// as long as the reference lives: no other reference to the value may
    /// exist meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn get_mut_unchecked(&self) -> &mut T {
        // SAFETY: the caller guarantees exclusive access.
        unsafe { &mut *self.0.get() }
    }
}
