package dev.wasmgrid.llm.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The methods of Python's {@code str} that chat templates call ({@code startswith}, {@code strip},
 * {@code split}...), which Jinja2 has from Python and Jinjava, calling Java's methods, lacks or
 * gives other meanings ({@code String.split} takes a regular expression and drops trailing empty
 * parts). Asked before Jinjava's own resolvers; any other method goes on to them.
 */
final class PythonStrings extends ELResolver {

  private static final Object NOT_MINE = new Object();

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s) || method == null) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result = call(s, method.toString(), args);
    if (result == NOT_MINE) {
      return null;
    }
    context.setPropertyResolved(true);
    return result;
  }

  private static Object call(String s, String method, Object[] args) {
    return switch (method) {
      case "startswith" -> s.startsWith(text(args, 0));
      case "endswith" -> s.endsWith(text(args, 0));
      case "strip" -> rstrip(lstrip(s, chars(args)), chars(args));
      case "lstrip" -> lstrip(s, chars(args));
      case "rstrip" -> rstrip(s, chars(args));
      case "split" -> split(s, args);
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" ->
          s.isEmpty()
              ? s
              : s.substring(0, 1).toUpperCase(Locale.ROOT)
                  + s.substring(1).toLowerCase(Locale.ROOT);
      case "replace" -> s.replace(text(args, 0), text(args, 1));
      case "find" -> s.indexOf(text(args, 0));
      case "count" -> count(s, text(args, 0));
      case "join" -> join(s, args);
      default -> NOT_MINE;
    };
  }

  private static String text(Object[] args, int i) {
    if (args.length <= i || args[i] == null) {
      throw new IllegalArgumentException("a string method is missing argument " + (i + 1));
    }
    return args[i].toString();
  }

  /** The characters to strip; null: whitespace. */
  private static String chars(Object[] args) {
    return args.length == 0 || args[0] == null ? null : args[0].toString();
  }

  private static boolean strips(char c, String chars) {
    return chars == null
        ? Character.isWhitespace(c) || Character.isSpaceChar(c)
        : chars.indexOf(c) >= 0;
  }

  private static String lstrip(String s, String chars) {
    int from = 0;
    while (from < s.length() && strips(s.charAt(from), chars)) {
      from++;
    }
    return s.substring(from);
  }

  private static String rstrip(String s, String chars) {
    int to = s.length();
    while (to > 0 && strips(s.charAt(to - 1), chars)) {
      to--;
    }
    return s.substring(0, to);
  }

  /** Python's {@code str.split(sep)}: every part kept; without a separator, runs of whitespace. */
  private static List<String> split(String s, Object[] args) {
    List<String> parts = new ArrayList<>();
    if (args.length == 0 || args[0] == null) {
      for (String p : s.strip().split("\\s+", -1)) {
        if (!p.isEmpty()) {
          parts.add(p);
        }
      }
      return parts;
    }
    String sep = args[0].toString();
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("split: empty separator");
    }
    int max = args.length > 1 && args[1] instanceof Number n ? n.intValue() : -1;
    int from = 0;
    for (int at = s.indexOf(sep); at >= 0 && max != 0; at = s.indexOf(sep, from), max--) {
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousCased = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousCased = Character.isLetter(c);
    }
    return out.toString();
  }

  private static int count(String s, String part) {
    if (part.isEmpty()) {
      return s.length() + 1;
    }
    int n = 0;
    for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + part.length())) {
      n++;
    }
    return n;
  }

  private static String join(String s, Object[] args) {
    if (args.length == 0 || !(args[0] instanceof Iterable<?> items)) {
      throw new IllegalArgumentException("join takes a list");
    }
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object item : items) {
      if (!first) {
        out.append(s);
      }
      out.append(item);
      first = false;
    }
    return out.toString();
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
    // Only methods are resolved here.
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
