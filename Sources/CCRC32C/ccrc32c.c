// The SSE 4.2 crc32 instruction computes CRC-32C (Castagnoli) directly, 8 bytes per instruction:
// about four times the table-driven loop on the same core. Compiled for that instruction set only in
// this function, and called only after the processor says it has it.
#include "ccrc32c.h"

#if defined(__x86_64__)
#include <nmmintrin.h>

int salesh_crc32c_hw_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

__attribute__((target("sse4.2")))
uint32_t salesh_crc32c_hw(uint32_t crc, const void *bytes, size_t count) {
    const uint8_t *p = (const uint8_t *)bytes;
    uint64_t c = crc;
    while (count >= 8) {
        uint64_t word;
        __builtin_memcpy(&word, p, 8);
        c = _mm_crc32_u64(c, word);
        p += 8;
        count -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (count > 0) {
        c32 = _mm_crc32_u8(c32, *p);
        p += 1;
        count -= 1;
    }
    return c32;
}

#else

int salesh_crc32c_hw_available(void) { return 0; }

uint32_t salesh_crc32c_hw(uint32_t crc, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return crc;
}

#endif
