/*
 * A module importing what the host does not provide: two functions of a "host" module the
 * deployer made up, and AssemblyScript's env.abort with the wrong signature. Deploying it must be
 * refused with all three named.
 */
#include <stdint.h>

__attribute__((import_module("host"), import_name("lookup"))) int32_t host_lookup(int32_t key);
__attribute__((import_module("host"), import_name("store"))) void host_store(int32_t key, int64_t v);
__attribute__((import_module("env"), import_name("abort"))) void env_abort(int32_t code);

__attribute__((export_name("run"))) int32_t run(int32_t key) {
    if (key < 0) env_abort(key);
    host_store(key, 1);
    return host_lookup(key);
}
