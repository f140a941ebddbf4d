package dev.wasmgrid.llm;

/** A model or tokenizer file that cannot be read: truncated, corrupt, or of an unsupported kind. */
public final class ModelFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
