//! A Rust library module for WASI (Debian's rustc, target wasm32-wasi / wasm32-wasip1, built by
//! build-test-modules.sh): Rust's own allocator exported as alloc(size, align) and
//! dealloc(ptr, size, align), and println!/eprintln! through WASI's fd_write.

use std::alloc::{alloc as rust_alloc, dealloc as rust_dealloc, Layout};

fn layout(size: i32, align: i32) -> Layout {
    Layout::from_size_align(size.max(1) as usize, align as usize).expect("a valid layout")
}

#[no_mangle]
pub extern "C" fn alloc(size: i32, align: i32) -> i32 {
    unsafe { rust_alloc(layout(size, align)) as i32 }
}

#[no_mangle]
pub extern "C" fn dealloc(ptr: i32, size: i32, align: i32) {
    unsafe { rust_dealloc(ptr as *mut u8, layout(size, align)) }
}

/// Counts the whitespace-separated words of the UTF-8 text at ptr, printing the count.
#[no_mangle]
pub extern "C" fn word_count(ptr: i32, len: i32) -> i32 {
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) };
    let n = String::from_utf8_lossy(bytes).split_whitespace().count();
    println!("{} words", n);
    eprintln!("counted {} bytes", len);
    n as i32
}
