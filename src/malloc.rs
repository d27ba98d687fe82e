//! glibc's allocator, told to keep its mmap threshold where it starts.
//!
//! glibc raises the size from which it maps a block on its own (up to
//! 32 MiB) each time a mapped block is freed; from then on, blocks up to that
//! size come from the heap, where doubling growth copies and freed memory
//! stays resident. On a 201k-entry image that costs 5.5 MB of peak RSS
//! (62.8 MB against 57.0 MB, `MALLOC_MMAP_THRESHOLD_` set or not, the same
//! CPU time; docs/performance.md), and issue 13's budget is a quarter of
//! dive's peak. Setting the threshold once turns the adjustment off.

/// Fix the mmap threshold at glibc's initial 128 KiB. Call it first thing in
/// `main`, before any thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn fix_mmap_threshold() {
    // SAFETY: mallopt(3) only sets an allocator parameter; it takes plain
    // integers, and no other thread allocates yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Other allocators do not move a threshold: nothing to fix.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn fix_mmap_threshold() {}
