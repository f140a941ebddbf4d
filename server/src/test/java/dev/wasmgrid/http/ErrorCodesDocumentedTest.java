package dev.wasmgrid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.wasm.WasmCallException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/api.md's error tables name every error code the server can answer: each code the sources
 * give to a {@link Failure} (or to a job's failure, which its status reports) is looked for in a
 * table row of the docs.
 */
class ErrorCodesDocumentedTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Path API_DOCS = Path.of("../docs/api.md");

  /** Calls that take an error code, as the sources write them, and which argument it is. */
  private static final Map<String, Integer> CODE_ARGUMENT =
      Map.of(
          "new Failure", 1,
          "Failure.invalid", 0,
          "Failure.tooLarge", 0,
          "Broadcast.summary", 1,
          "JsonBodies.parseText", 2,
          "job.fail", 0,
          "job.interrupt", 0,
          "intField", 2,
          "longField", 2);

  /**
   * Every method or record with a {@code String code} parameter: the calls above, and a job's
   * {@code Reason}, which only ever gets a code that is passed on.
   */
  private static final Set<String> TAKING_A_CODE =
      Set.of(
          "Failure",
          "invalid",
          "tooLarge",
          "summary",
          "parseText",
          "fail",
          "interrupt",
          "intField",
          "longField",
          "Reason");

  /**
   * Codes that reach no client: {@code cancelled} stops a cancelled job's product, and the job is
   * already final then, so neither an answer nor its status carries it.
   */
  private static final Set<String> NEVER_ANSWERED = Set.of("cancelled");

  private static final Pattern CALL =
      Pattern.compile(
          "(new Failure|Failure\\.invalid|Failure\\.tooLarge|Broadcast\\.summary"
              + "|JsonBodies\\.parseText|job\\.fail|job\\.interrupt|(?<![\\w.])intField|(?<![\\w.])longField)"
              + "\\s*\\(");
  private static final Pattern DECLARATION =
      Pattern.compile("(\\w+)\\s*\\(([^()]*\\bString code\\b[^()]*)\\)\\s*(throws [^{]*)?\\{");
  private static final Pattern PARAMETER = Pattern.compile("\\s*[\\w.<>\\[\\]]+\\s+\\w+\\s*");
  private static final Pattern LITERAL = Pattern.compile("\"([a-z][a-z0-9_]*)\"");
  private static final Pattern VALUE = Pattern.compile("(?<!\\(\\s{0,9})\"([a-z][a-z0-9_]*)\"");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_]\\w*");

  /** A code that is passed on: a Failure's own, or a wasm failure's (all listed below). */
  private static final Pattern PASSED_ON = Pattern.compile("\\w+\\.code\\(\\)(\\.id\\(\\))?");

  @Test
  void everyErrorCodeTheServerAnswersIsInDocsApiMd() throws IOException {
    Set<String> documented = documentedCodes();
    Set<String> emitted = emittedCodes();
    assertThat(emitted).as("codes found in the sources").contains("not_found", "bad_action");
    emitted.removeAll(NEVER_ANSWERED);
    assertThat(documented).as("codes in docs/api.md's error tables").containsAll(emitted);
  }

  /**
   * Backquoted codes in table rows whose first cell is an HTTP status, or a dash for a code that
   * only a job's status reports.
   */
  static Set<String> documentedCodes() throws IOException {
    Set<String> codes = new TreeSet<>();
    Pattern row = Pattern.compile("^\\| *([1-5]\\d\\d|—) *\\|([^|]*)\\|");
    Pattern code = Pattern.compile("`([a-z][a-z0-9_]*)`");
    for (String line : Files.readAllLines(API_DOCS)) {
      Matcher r = row.matcher(line);
      if (r.find()) {
        Matcher c = code.matcher(r.group(2));
        while (c.find()) {
          codes.add(c.group(1));
        }
      }
    }
    return codes;
  }

  static Set<String> emittedCodes() throws IOException {
    Set<String> codes = new TreeSet<>();
    for (WasmCallException.Code code : WasmCallException.Code.values()) {
      codes.add(code.id());
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(SOURCES)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path file : files) {
      String source = withoutComments(Files.readString(file));
      Matcher declaration = DECLARATION.matcher(source);
      while (declaration.find()) {
        assertThat(TAKING_A_CODE)
            .as(
                file.getFileName()
                    + " declares "
                    + declaration.group(1)
                    + " taking a code: scan its calls")
            .contains(declaration.group(1));
      }
      Matcher call = CALL.matcher(source);
      while (call.find()) {
        List<String> args = arguments(source, call.end());
        if (PARAMETER.matcher(args.get(0)).matches()) {
          continue; // the declaration itself
        }
        int index = CODE_ARGUMENT.get(call.group(1));
        String where = file.getFileName() + " at offset " + call.start();
        assertThat(args.size()).as(where).isGreaterThan(index);
        codes.addAll(codesOf(args.get(index).strip(), source, where));
      }
    }
    return codes;
  }

  /**
   * The codes an argument can be: its literals; for a local variable, the literals it is set to;
   * nothing for a code passed on, or for a method's {@code code} parameter (its callers are
   * scanned). Anything else fails, so that a code built at run time cannot slip past the docs.
   */
  private static Set<String> codesOf(String arg, String source, String where) {
    Set<String> codes = new TreeSet<>();
    if (PASSED_ON.matcher(arg).matches()) {
      return codes;
    }
    if (IDENTIFIER.matcher(arg).matches()) {
      if (Pattern.compile("\\(\\s*[^()]*\\bString " + arg + "\\s*[,)]").matcher(source).find()) {
        return codes; // a parameter
      }
      Matcher set = Pattern.compile("\\b" + arg + "\\s*=([^;=][^;]*);").matcher(source);
      while (set.find()) {
        // A literal handed to a method (get("code")) reads a code from elsewhere; it is not one.
        Matcher value = VALUE.matcher(set.group(1));
        while (value.find()) {
          codes.add(value.group(1));
        }
      }
      assertThat(codes).as(where + ": the values of " + arg).isNotEmpty();
      return codes;
    }
    assertThat(arg)
        .as(where + ": a code must be a literal (or a choice of literals), not built at run time")
        .doesNotContain("+")
        .contains("\"");
    literals(arg, codes);
    return codes;
  }

  private static void literals(String text, Set<String> into) {
    Matcher literal = LITERAL.matcher(text);
    while (literal.find()) {
      into.add(literal.group(1));
    }
  }

  /** The top-level arguments of the call whose parenthesis opened just before {@code from}. */
  private static List<String> arguments(String source, int from) {
    List<String> args = new ArrayList<>();
    int depth = 0;
    int start = from;
    boolean inString = false;
    for (int i = from; i < source.length(); i++) {
      char c = source.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '(' || c == '{' || c == '[') {
        depth++;
      } else if ((c == ')' || c == '}' || c == ']') && depth > 0) {
        depth--;
      } else if (c == ',' && depth == 0) {
        args.add(source.substring(start, i));
        start = i + 1;
      } else if (c == ')') {
        args.add(source.substring(start, i));
        return args;
      }
    }
    throw new IllegalStateException("unbalanced call at offset " + from);
  }

  /** Java source without its comments; string and character literals are kept as they are. */
  static String withoutComments(String source) {
    StringBuilder out = new StringBuilder(source.length());
    for (int i = 0; i < source.length(); i++) {
      char c = source.charAt(i);
      if (c == '"' || c == '\'') {
        int end = i + 1;
        while (source.charAt(end) != c) {
          end += source.charAt(end) == '\\' ? 2 : 1;
        }
        out.append(source, i, end + 1);
        i = end;
      } else if (source.startsWith("//", i)) {
        i = source.indexOf('\n', i) - 1;
      } else if (source.startsWith("/*", i)) {
        i = source.indexOf("*/", i) + 1;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
