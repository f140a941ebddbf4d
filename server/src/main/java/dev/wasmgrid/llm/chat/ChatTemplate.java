package dev.wasmgrid.llm.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.wasmgrid.llm.ChatMessage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's Jinja chat template ({@code tokenizer.chat_template}), rendered with Jinjava set up as
 * Hugging Face's {@code apply_chat_template} sets up Jinja2: {@code trim_blocks} and {@code
 * lstrip_blocks}, the variables {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}, the functions {@code raise_exception} and {@code strftime_now}, and Python's
 * string methods. Thread-safe.
 */
public final class ChatTemplate {

  /** The most characters a rendering may have; a template that loops on is stopped there. */
  static final long MAX_OUTPUT_CHARS = 4L << 20;

  /**
   * Jinjava's corrections towards Jinja2: dictionary keys are expressions, loops keep null items,
   * whitespace control trims notes and expressions as Jinja2 does. (Not its "natural" operator
   * precedence, which reads {@code not x is defined} as {@code (not x) is defined}.)
   */
  private static final LegacyOverrides JINJA2 =
      LegacyOverrides.newBuilder()
          .withEvaluateMapKeys(true)
          .withKeepNullableLoopValues(true)
          .withUseTrimmingForNotesAndExpressions(true)
          .withUsePyishObjectMapper(true)
          .build();

  private final String source;
  private final Jinjava jinjava;

  /** The template {@code source}; {@code clock} is {@code strftime_now}'s. */
  public ChatTemplate(String source, Clock clock) {
    this.source = Jinja2Syntax.rewrite(source);
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStrings());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withElResolver(resolver)
            .withLegacyOverrides(JINJA2)
            .withMaxOutputSize(MAX_OUTPUT_CHARS)
            .withDateTimeProvider(clock::millis)
            .withTimeZone(clock.getZone())
            .build();
    this.jinjava = new Jinjava(config);
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", "raise_exception", TemplateFunctions.class, "raiseException", Object.class));
    jinjava.registerFunction(
        new ELFunctionDefinition(
            "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
  }

  /**
   * The conversation as the template writes it, with the generation prompt.
   *
   * @param content applied to each message's content first (the tokenizer's guard)
   * @throws ChatTemplateException if the template raises an error or cannot be rendered
   */
  public String render(
      List<ChatMessage> messages, String bos, String eos, UnaryOperator<String> content)
      throws ChatTemplateException {
    List<Map<String, Object>> list = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", m.role());
      message.put("content", content.apply(m.content()));
      list.add(message);
    }
    Map<String, Object> bindings = new HashMap<>();
    bindings.put("messages", list);
    bindings.put("add_generation_prompt", true);
    bindings.put("bos_token", bos);
    bindings.put("eos_token", eos);
    // Defined, as in Jinja2, so that templates which ask ("strftime_now is defined") call it.
    bindings.put("strftime_now", "strftime_now");
    RenderResult result = jinjava.renderForResult(source, bindings);
    for (TemplateError e : result.getErrors()) {
      Throwable raised = raised(e.getException());
      if (raised != null) {
        throw new ChatTemplateException(raised.getMessage(), true);
      }
    }
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new ChatTemplateException(describe(e), false);
      }
    }
    return result.getOutput();
  }

  private static Throwable raised(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TemplateFunctions.Raised) {
        return t;
      }
    }
    return null;
  }

  private static String describe(TemplateError e) {
    return e.getMessage() + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : "");
  }
}
