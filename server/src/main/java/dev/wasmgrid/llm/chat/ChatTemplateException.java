package dev.wasmgrid.llm.chat;

/**
 * A chat template that could not be rendered: it raised an error on the conversation ({@link
 * #raised()}: the template's own message, the request's fault) or is not a template this engine
 * renders (the model's fault).
 */
public final class ChatTemplateException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean raised;

  ChatTemplateException(String message, boolean raised) {
    super(message);
    this.raised = raised;
  }

  /** Whether the template refused the conversation with {@code raise_exception}. */
  public boolean raised() {
    return raised;
  }
}
