package dev.wasmgrid.foreign;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The JDK's foreign-function and memory API ({@code java.lang.foreign}) for code compiled with
 * {@code --release 21}, where it is a preview API that javac refuses without {@code
 * --enable-preview} (whose class files no later JVM runs). It is final since Java 22 and present at
 * run time, so it is reached through method handles found once, and its objects are held as {@code
 * Object}. Downcalls are restricted methods: the JVM should run with {@code
 * --enable-native-access=ALL-UNNAMED}, as the launcher, the image and the tests do (without it the
 * JVM warns once).
 */
public final class Foreign {
  private static final String PACKAGE = "java.lang.foreign.";

  // A full-privilege lookup: restricted methods (library lookups, downcalls, reinterpret) are
  // caller-sensitive, checked against this class's module for native access.
  private final MethodHandles.Lookup lookup = MethodHandles.lookup();
  private final Class<?> linkerClass;
  private final Object linker;
  private final Class<?> layout;
  private final MethodHandle find;
  private final MethodHandle of;
  private final MethodHandle ofVoid;
  private final MethodHandle downcall;
  private final Object noOptions;

  /** {@code ValueLayout.JAVA_INT}. */
  public final Object int32;

  /** {@code ValueLayout.JAVA_LONG}. */
  public final Object int64;

  /** {@code ValueLayout.JAVA_FLOAT}. */
  public final Object float32;

  /** {@code ValueLayout.ADDRESS}. */
  public final Object address;

  private Foreign() throws Throwable {
    linkerClass = type("Linker");
    Class<?> descriptor = type("FunctionDescriptor");
    Class<?> option = type("Linker$Option");
    Class<?> valueLayout = type("ValueLayout");
    layout = type("MemoryLayout");
    linker = method(linkerClass, true, "nativeLinker", linkerClass).invoke();
    find = method(type("SymbolLookup"), false, "find", Optional.class, String.class);
    Class<?> layouts = Array.newInstance(layout, 0).getClass();
    of = method(descriptor, true, "of", descriptor, layout, layouts).asFixedArity();
    ofVoid = method(descriptor, true, "ofVoid", descriptor, layouts).asFixedArity();
    noOptions = Array.newInstance(option, 0);
    downcall =
        method(
                linkerClass,
                false,
                "downcallHandle",
                MethodHandle.class,
                type("MemorySegment"),
                descriptor,
                noOptions.getClass())
            .asFixedArity();
    int32 = valueLayout.getField("JAVA_INT").get(null);
    int64 = valueLayout.getField("JAVA_LONG").get(null);
    float32 = valueLayout.getField("JAVA_FLOAT").get(null);
    address = valueLayout.getField("ADDRESS").get(null);
  }

  /**
   * The API, found.
   *
   * @throws Throwable where it is missing (Java 21) or a method handle cannot be made
   */
  public static Foreign find() throws Throwable {
    return new Foreign();
  }

  /** The class {@code java.lang.foreign.<name>}. */
  public Class<?> type(String name) throws ClassNotFoundException {
    return Class.forName(PACKAGE + name);
  }

  /** A public method of {@code owner}, static or not. */
  public MethodHandle method(
      Class<?> owner, boolean isStatic, String name, Class<?> result, Class<?>... params)
      throws ReflectiveOperationException {
    MethodType type = MethodType.methodType(result, params);
    return isStatic ? lookup.findStatic(owner, name, type) : lookup.findVirtual(owner, name, type);
  }

  /** The C library's symbols ({@code Linker.defaultLookup}). */
  public Object systemSymbols() throws Throwable {
    return method(linkerClass, false, "defaultLookup", type("SymbolLookup")).invoke(linker);
  }

  /** The symbols of the shared library {@code file}, loaded for the life of the process. */
  public Object librarySymbols(Path file) throws Throwable {
    Class<?> arena = type("Arena");
    Object global = method(arena, true, "global", arena).invoke();
    return method(
            type("SymbolLookup"), true, "libraryLookup", type("SymbolLookup"), Path.class, arena)
        .invoke(file, global);
  }

  /**
   * The function {@code name} of {@code symbols} as a method handle taking and returning Java
   * values of the given layouts ({@link #int32}, {@link #int64}, {@link #address}); {@code result}
   * null for void.
   *
   * @throws IllegalStateException when there is no such symbol
   */
  public MethodHandle function(Object symbols, String name, Object result, Object... params)
      throws Throwable {
    Object symbol = symbol(symbols, name);
    Object layouts = Array.newInstance(layout, params.length);
    for (int i = 0; i < params.length; i++) {
      Array.set(layouts, i, params[i]);
    }
    Object signature = result == null ? ofVoid.invoke(layouts) : of.invoke(result, layouts);
    return (MethodHandle) downcall.invoke(linker, symbol, signature, noOptions);
  }

  /**
   * The void function {@code name} of {@code symbols} as a method handle taking the Java types
   * {@code params}: {@code int}, {@code long}, {@code float}, or arrays of {@code int}, {@code
   * long}, {@code float} or {@code byte}, each passed as a pointer to its first element without a
   * copy. A critical call (the JVM's {@code Linker.Option.critical(true)}): no garbage collection
   * can start while it runs, so keep each call short (a millisecond or so), and the function must
   * not call back into Java.
   *
   * @throws IllegalStateException when there is no such symbol
   */
  public MethodHandle arrayFunction(Object symbols, String name, Class<?>... params)
      throws Throwable {
    Object symbol = symbol(symbols, name);
    Object layouts = Array.newInstance(layout, params.length);
    Class<?> segment = type("MemorySegment");
    MethodHandle[] filters = new MethodHandle[params.length];
    for (int i = 0; i < params.length; i++) {
      Class<?> p = params[i];
      if (p.isArray()) {
        Array.set(layouts, i, address);
        filters[i] = method(segment, true, "ofArray", segment, p);
      } else {
        Array.set(layouts, i, primitive(p));
      }
    }
    Class<?> option = type("Linker$Option");
    Object heapAccess = Array.newInstance(option, 1);
    Array.set(heapAccess, 0, method(option, true, "critical", option, boolean.class).invoke(true));
    MethodHandle call =
        (MethodHandle) downcall.invoke(linker, symbol, ofVoid.invoke(layouts), heapAccess);
    return MethodHandles.filterArguments(call, 0, filters);
  }

  private Object symbol(Object symbols, String name) throws Throwable {
    return ((Optional<?>) find.invoke(symbols, name))
        .orElseThrow(() -> new IllegalStateException("no native function " + name));
  }

  private Object primitive(Class<?> type) {
    if (type == int.class) {
      return int32;
    }
    if (type == long.class) {
      return int64;
    }
    if (type == float.class) {
      return float32;
    }
    throw new IllegalArgumentException("no layout for " + type);
  }

  /**
   * {@code e} rethrown as it is when unchecked; else wrapped in an {@link IllegalStateException},
   * returned for the caller to throw (a method handle's {@code invoke} declares {@code Throwable}).
   */
  public static RuntimeException rethrown(Throwable e) {
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof Error err) {
      throw err;
    }
    return new IllegalStateException(e);
  }
}
