//! The one cell type of goweave objects' values.
//!
//! An object's value (a mutex's data, a channel's buffer, a task's result,
//! a `Shared` variable) is touched only by a task that has the right to:
//! for a model object, the engine's state grants it (the task holds the
//! lock, the task finished, the task is inside an engine call; the engine
//! runs one task at a time, on the exploration's one thread); for a
//! native object, a real lock does. The owner of the cell checks that
//! right; the cell only states the contract once, instead of every owner
//! writing its own `UnsafeCell` and `Sync` impl.

use std::cell::UnsafeCell;

/// A value of a goweave object, accessed as the object's state allows.
pub(crate) struct ValueCell<T: ?Sized>(UnsafeCell<T>);

// SAFETY: a value is only touched by a task with the right to (the owners
// uphold this, see the module docs): one at a time, exclusively when it
// writes, so sharing the cell never lets two threads race on the value;
// `T: Send` because the task that touches it may run on another thread
// than the one that made it. Owners that hand out `&T` to several tasks at
// once (a read-write mutex's readers) require `T: Sync` themselves.
unsafe impl<T: ?Sized + Send> Sync for ValueCell<T> {}

impl<T> ValueCell<T> {
    /// A cell holding `value`.
    pub(crate) const fn new(value: T) -> ValueCell<T> {
        ValueCell(UnsafeCell::new(value))
    }

    /// The value, consuming the cell.
    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> ValueCell<T> {
    /// The value, through exclusive access to the cell.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }

    /// A shared reference to the value.
    ///
    /// # Safety
    /// The object's state must grant the calling task read access for as
    /// long as the reference lives, and no `&mut` to the value may exist
    /// meanwhile (see the owner's docs for which state that is).
    pub(crate) unsafe fn get(&self) -> &T {
        // SAFETY: the caller guarantees that no exclusive reference exists.
        unsafe { &*self.0.get() }
    }

    /// An exclusive reference to the value.
    ///
    /// # Safety
    /// The object's state must grant the calling task exclusive access for
    /// as long as the reference lives: no other reference to the value may
    /// exist meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn get_mut_unchecked(&self) -> &mut T {
        // SAFETY: the caller guarantees exclusive access.
        unsafe { &mut *self.0.get() }
    }
}
