package dev.wasmgrid.llm.chat;

import dev.wasmgrid.errors.Failure;
import dev.wasmgrid.llm.ChatMessage;
import dev.wasmgrid.llm.LanguageModel;
import dev.wasmgrid.llm.Tokenizer;
import dev.wasmgrid.llm.Vocabulary;
import java.time.Clock;
import java.util.List;

/**
 * A conversation as one model's prompt: its own chat template ({@code tokenizer.chat_template})
 * rendered and encoded with the template's control tokens as ids and the messages' contents as
 * plain text ({@link Tokenizer#guard}), or, for a model without a template, {@link
 * LanguageModel#formatChat} encoded as plain text. Thread-safe.
 */
public final class ChatPrompts {

  /** A prompt's text, for {@code echo}, and its token ids; a class, as it holds an array. */
  public static final class Prompt {
    private final String text;
    private final int[] tokens;

    Prompt(String text, int[] tokens) {
      this.text = text;
      this.tokens = tokens;
    }

    public String text() {
      return text;
    }

    public int[] tokens() {
      return tokens.clone();
    }
  }

  private final String name;
  private final LanguageModel model;
  private final ChatTemplate template;

  /** The prompts of {@code model}, served as {@code name}; {@code clock} is the template's. */
  public ChatPrompts(String name, LanguageModel model, Clock clock) {
    this.name = name;
    this.model = model;
    String source = model.tokenizer().vocabulary().chatTemplate();
    this.template = source == null || source.isBlank() ? null : new ChatTemplate(source, clock);
  }

  /** Whether the model's own template is used (else the Llama 2 format). */
  public boolean templated() {
    return template != null;
  }

  /**
   * The conversation's prompt.
   *
   * @throws Failure 400 if the template refuses the conversation (its message) or the prompt does
   *     not fit the context; 500 if the model's template cannot be rendered
   */
  public Prompt prompt(List<ChatMessage> messages) {
    if (template == null) {
      String text = model.formatChat(messages);
      return new Prompt(text, encode(text, false));
    }
    Tokenizer tokenizer = model.tokenizer();
    Vocabulary vocab = tokenizer.vocabulary();
    String text;
    try {
      text =
          template.render(
              messages, vocab.token(vocab.bos()), vocab.token(vocab.eos()), tokenizer::guard);
    } catch (ChatTemplateException e) {
      if (e.raised()) {
        throw Failure.invalid(
            "chat_template_error",
            "messages",
            "the chat template of model '" + name + "' refused the messages: " + e.getMessage());
      }
      throw new Failure(
          Failure.Kind.INTERNAL,
          "chat_template_error",
          "",
          "the chat template of model '" + name + "' cannot be rendered: " + e.getMessage());
    }
    return new Prompt(text, encode(text, true));
  }

  private int[] encode(String text, boolean templated) {
    try {
      return templated ? model.encodeTemplatePrompt(text) : model.encodePrompt(text);
    } catch (IllegalArgumentException e) {
      throw Failure.invalid("prompt_too_long", "messages", e.getMessage());
    }
  }
}
