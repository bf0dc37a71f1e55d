// Hardware CRC-32C for x86-64 (SSE4.2 `crc32` instruction), selected at run time.
//
// The function is compiled for SSE4.2 with a function attribute, not a global compiler flag,
// so the package builds for the default x86-64 target and stays usable as a dependency
// (SwiftPM's unsafeFlags would forbid that). Swift calls it only after checking CPUID.
#include "foreshock_crc32c.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

int foreshock_crc32c_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2")))
uint32_t foreshock_crc32c_hardware_update(uint32_t crc, const void *bytes, size_t length) {
    const unsigned char *p = (const unsigned char *)bytes;
    uint64_t c = crc;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
        p += 8;
        length -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (length > 0) {
        c32 = __builtin_ia32_crc32qi(c32, *p);
        p += 1;
        length -= 1;
    }
    return c32;
}
#else
int foreshock_crc32c_hardware_available(void) { return 0; }

uint32_t foreshock_crc32c_hardware_update(uint32_t crc, const void *bytes, size_t length) {
    (void)bytes;
    (void)length;
    return crc;
}
#endif
