// Only the header matters: LLVMFuzzerRunDriver itself comes from libFuzzer, linked by -sanitize=fuzzer.
#include "CFuzzerDriver.h"
