// CRC-32C with the processor's own instruction where it has one (SSE 4.2 on x86-64).
#ifndef SALESH_CCRC32C_H
#define SALESH_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when `salesh_crc32c_hw` may be called on this processor, else 0.
int salesh_crc32c_hw_available(void);

/// Feeds `count` bytes into a running CRC-32C register (not inverted: the caller inverts before the
/// first call and after the last, as with the table-driven version).
uint32_t salesh_crc32c_hw(uint32_t crc, const void *bytes, size_t count);

#endif
