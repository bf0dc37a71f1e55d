#ifndef FORESHOCK_CZSTD_SHIM_H
#define FORESHOCK_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
