// Built with the AssemblyScript compiler (asc) by build-test-modules.sh, memory imported
// (--importMemory). Bad input throws, which AssemblyScript compiles to a call of the host's
// env.abort(message, file, line, column).

/** The integer square root of x; x must not be negative. */
export function isqrt(x: i32): i32 {
  if (x < 0) throw new Error("isqrt of a negative number");
  return <i32>Math.floor(Math.sqrt(<f64>x));
}

/** The sum 1 + 2 + ... + n, in 64 bits. */
export function triangle(n: i32): i64 {
  let s: i64 = 0;
  for (let i = 1; i <= n; i++) s += <i64>i;
  return s;
}

/** Twice x, after tracing it (the host writes env.trace to stderr). */
export function traced(x: f64): f64 {
  trace("traced", 1, x);
  return x * 2;
}
