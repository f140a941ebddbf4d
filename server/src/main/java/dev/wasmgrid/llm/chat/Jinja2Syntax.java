package dev.wasmgrid.llm.chat;

/**
 * Rewrites the Jinja2 syntax that Jinjava reads otherwise into what it reads as Jinja2 means it
 * (Qwen3's template needs both): a keyword argument's value gets parentheses, since Jinjava parses
 * {@code k=v} as an operator as strong as {@code +} ({@code namespace(n=messages|length - 1)} would
 * be {@code (n=messages|length) - 1}); a reversing slice {@code name[::-1]}, which Jinjava cannot
 * parse, becomes {@code (name|reverse)}. Only expressions change, never text, comments, string
 * literals or a macro's parameters.
 */
final class Jinja2Syntax {

  private static final String REVERSED = "[::-1]";

  private Jinja2Syntax() {}

  static String rewrite(String source) {
    StringBuilder out = new StringBuilder(source.length() + 16);
    int i = 0;
    while (i < source.length()) {
      int open = nextTag(source, i);
      if (open < 0) {
        out.append(source, i, source.length());
        break;
      }
      out.append(source, i, open + 2);
      char close = source.charAt(open + 1) == '{' ? '}' : '%';
      if (close == '%' && declaresParameters(source, open + 2)) {
        // A macro's parameter defaults are Jinjava's own syntax: left as written.
        int end = source.indexOf("%}", open + 2);
        i = end < 0 ? source.length() : end + 2;
        out.append(source, open + 2, i);
        continue;
      }
      i = expression(source, open + 2, close, out);
    }
    return out.toString();
  }

  private static boolean declaresParameters(String s, int from) {
    int i = from < s.length() && (s.charAt(from) == '-' || s.charAt(from) == '+') ? from + 1 : from;
    i = skipSpaces(s, i);
    return s.startsWith("macro", i) || s.startsWith("call", i);
  }

  /** Where the next tag (double brace or brace-percent) opens, skipping comments; -1 if none. */
  private static int nextTag(String s, int from) {
    for (int at = s.indexOf('{', from);
        at >= 0 && at + 1 < s.length();
        at = s.indexOf('{', at + 1)) {
      char c = s.charAt(at + 1);
      if (c == '{' || c == '%') {
        return at;
      }
      if (c == '#') {
        int end = s.indexOf("#}", at + 2);
        if (end < 0) {
          return -1;
        }
        at = end;
      }
    }
    return -1;
  }

  /** Copies a tag's inside and its end to {@code out}; returns where the text after it starts. */
  private static int expression(String s, int from, char close, StringBuilder out) {
    // Per bracket depth: whether it is a call's parentheses with a keyword value left open.
    StringBuilder brackets = new StringBuilder();
    boolean[] valueOpen = new boolean[s.length() - from + 1];
    int i = from;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == close && i + 1 < s.length() && s.charAt(i + 1) == '}' && brackets.isEmpty()) {
        out.append(c).append('}');
        return i + 2;
      }
      if (c == '\'' || c == '"') {
        int end = stringEnd(s, i);
        out.append(s, i, end);
        i = end;
        continue;
      }
      if (s.startsWith(REVERSED, i)) {
        reverse(out);
        i += REVERSED.length();
        continue;
      }
      int depth = brackets.length();
      if ((c == ',' || c == ')') && depth > 0 && valueOpen[depth]) {
        out.append(')');
        valueOpen[depth] = false;
      }
      if (c == '(' || c == '[' || c == '{') {
        brackets.append(c);
        valueOpen[brackets.length()] = false;
      } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
        brackets.setLength(depth - 1);
      }
      out.append(c);
      i++;
      if ((c == '(' || c == ',')
          && !brackets.isEmpty()
          && brackets.charAt(brackets.length() - 1) == '(') {
        int name = skipSpaces(s, i);
        int nameEnd = name;
        while (nameEnd < s.length()
            && (Character.isLetterOrDigit(s.charAt(nameEnd)) || s.charAt(nameEnd) == '_')) {
          nameEnd++;
        }
        int eq = skipSpaces(s, nameEnd);
        if (nameEnd > name
            && eq < s.length()
            && s.charAt(eq) == '='
            && (eq + 1 >= s.length() || s.charAt(eq + 1) != '=')) {
          out.append(s, i, eq + 1).append('(');
          valueOpen[brackets.length()] = true;
          i = eq + 1;
        }
      }
    }
    return i;
  }

  /** The variable or attribute path that {@code out} ends with, reversed by Jinjava's filter. */
  private static void reverse(StringBuilder out) {
    int start = out.length();
    while (start > 0
        && (Character.isLetterOrDigit(out.charAt(start - 1))
            || out.charAt(start - 1) == '_'
            || out.charAt(start - 1) == '.')) {
      start--;
    }
    if (start == out.length()) {
      throw new IllegalArgumentException("a [::-1] slice is only read after a name");
    }
    out.insert(start, '(').append("|reverse)");
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int stringEnd(String s, int start) {
    char quote = s.charAt(start);
    int i = start + 1;
    while (i < s.length() && s.charAt(i) != quote) {
      i += s.charAt(i) == '\\' ? 2 : 1;
    }
    return Math.min(i + 1, s.length());
  }
}
