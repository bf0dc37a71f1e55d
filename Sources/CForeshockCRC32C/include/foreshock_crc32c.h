#ifndef FORESHOCK_CRC32C_H
#define FORESHOCK_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Whether the CPU has a CRC-32C instruction this library can use (x86-64 SSE4.2).
int foreshock_crc32c_hardware_available(void);

/// Continues a CRC-32C (Castagnoli) over `length` bytes with the CPU's CRC32 instruction.
/// `crc` is the running register value (already inverted by the caller). Call only when
/// foreshock_crc32c_hardware_available() returned 1.
uint32_t foreshock_crc32c_hardware_update(uint32_t crc, const void *bytes, size_t length);

#endif
