//! Locking a `std` mutex without `expect`.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `m`, recovering the data if it is poisoned.
///
/// A mutex is poisoned when a thread panicked while holding it: that panic
/// is a bug, and it is reported where it happened. The client's critical
/// sections (the session, the DC table, the event subscribers, a pool's
/// `initConnection` flags) are reads and whole-value updates, so the data
/// is consistent even then, and a second panic here would only hide the
/// first. The mock server's `lock` helpers do the same.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
