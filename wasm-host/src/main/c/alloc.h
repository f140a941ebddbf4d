/*
 * Freestanding bump allocator shared by the modules (no libc: the modules must build with nothing
 * but clang and wasm-ld, and stay small and byte-reproducible).
 *
 * The host writes its inputs through the "alloc" export, so the allocator is part of the host
 * contract: alloc(size) returns a 16-byte aligned pointer, or 0 when the memory cannot grow (the
 * host's page limit makes memory.grow return -1 rather than trap, as the wasm spec says).
 * Nothing is ever freed: a module instance is short-lived and is thrown away with its memory.
 */
#ifndef WASMGRID_ALLOC_H
#define WASMGRID_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define PAGE 65536u

extern unsigned char __heap_base; /* first free byte after data and stack, set by wasm-ld */

/* A static, not a wasm global: it lives in linear memory, so a memory snapshot captures it. */
static uintptr_t bump = 0;

EXPORT("alloc") void *alloc(uint32_t size) {
    if (bump == 0) bump = (uintptr_t)&__heap_base;
    uintptr_t p = (bump + 15u) & ~(uintptr_t)15u;
    uintptr_t end = p + size;
    if (end < p) return 0; /* the size wrapped around the 32-bit address space */
    uintptr_t have = __builtin_wasm_memory_size(0) * PAGE;
    if (end > have) {
        uintptr_t need = (end - have + PAGE - 1u) / PAGE;
        if (__builtin_wasm_memory_grow(0, need) == (size_t)-1) return 0;
    }
    bump = end;
    return (void *)p;
}

/* Kept for hosts that expect the pair; a bump allocator cannot free. */
EXPORT("free") void free(void *p) { (void)p; }

/* End of the allocated heap: lets the host and the tests see leaks. */
EXPORT("heap_top") uint32_t heap_top(void) { return (uint32_t)bump; }

/* Current memory size in 64 KiB pages, as the module itself sees it. */
EXPORT("mem_pages") uint32_t mem_pages(void) { return (uint32_t)__builtin_wasm_memory_size(0); }

/* Raw memory.grow: previous size in pages, or -1 when the limit refuses it. */
EXPORT("grow") int32_t grow(int32_t pages) { return (int32_t)__builtin_wasm_memory_grow(0, pages); }

#endif
