#ifndef CLAW_CFUZZERDRIVER_H
#define CLAW_CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// libFuzzer's entry point for programs that supply their own main (libclang_rt.fuzzer).
/// Parses libFuzzer's flags from argv and calls UserCb once per input; returns the exit status.
int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*UserCb)(const uint8_t *Data, size_t Size));

#ifdef __cplusplus
}
#endif

#endif
