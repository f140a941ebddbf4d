package dev.wasmgrid.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The command lines of a Markdown file's {@code sh} blocks, split into words the way a POSIX shell
 * splits them (quotes, backslashes, continuation lines, {@code #} comments, leading {@code
 * NAME=value} assignments), each with the output the file shows for it when a {@code json} block
 * follows a block of one command.
 */
final class ReadmeCommands {
  private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");

  private ReadmeCommands() {}

  /**
   * One command line.
   *
   * @param text the line as written, continuations joined
   * @param environment its leading assignments
   * @param words the command and its arguments
   * @param output what the file shows it printing, if anything
   */
  record Command(
      String text, Map<String, String> environment, List<String> words, Optional<String> output) {}

  /** Every command line of {@code markdown}'s {@code sh} blocks, in order. */
  static List<Command> parse(String markdown) {
    List<Command> commands = new ArrayList<>();
    List<String> lines = markdown.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).strip().equals("```sh")) {
        continue;
      }
      List<String> block = new ArrayList<>();
      for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
        block.add(lines.get(i));
      }
      List<Command> inBlock = commands(block);
      Optional<String> output = Optional.empty();
      if (i + 1 < lines.size() && lines.get(i + 1).strip().equals("```json")) {
        StringBuilder json = new StringBuilder();
        for (int j = i + 2; j < lines.size() && !lines.get(j).strip().equals("```"); j++) {
          json.append(lines.get(j)).append('\n');
        }
        output = Optional.of(json.toString().strip());
      }
      if (output.isPresent() && inBlock.size() == 1) {
        Command only = inBlock.getFirst();
        inBlock = List.of(new Command(only.text(), only.environment(), only.words(), output));
      }
      commands.addAll(inBlock);
    }
    return commands;
  }

  private static List<Command> commands(List<String> block) {
    List<Command> commands = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : block) {
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      pending.append(line);
      String text = pending.toString().strip();
      List<String> words = words(text);
      pending.setLength(0);
      if (words.isEmpty()) {
        continue;
      }
      Map<String, String> environment = new LinkedHashMap<>();
      while (!words.isEmpty() && ASSIGNMENT.matcher(words.getFirst()).matches()) {
        String assignment = words.removeFirst();
        int equals = assignment.indexOf('=');
        environment.put(assignment.substring(0, equals), assignment.substring(equals + 1));
      }
      commands.add(new Command(text, environment, List.copyOf(words), Optional.empty()));
    }
    return commands;
  }

  /** Splits a line into words as sh does, without expansions; a word-initial # starts a comment. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else if (c == '#' && !inWord) {
        break;
      } else if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unterminated ' in: " + line);
        }
        word.append(line, i + 1, end);
        i = end;
        inWord = true;
      } else if (c == '"') {
        for (i++; i < line.length() && line.charAt(i) != '"'; i++) {
          char d = line.charAt(i);
          if (d == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
            d = line.charAt(++i);
          }
          word.append(d);
        }
        if (i >= line.length()) {
          throw new IllegalArgumentException("unterminated \" in: " + line);
        }
        inWord = true;
      } else if (c == '\\' && i + 1 < line.length()) {
        word.append(line.charAt(++i));
        inWord = true;
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
