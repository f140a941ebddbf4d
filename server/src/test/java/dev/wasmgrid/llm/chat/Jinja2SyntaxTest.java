package dev.wasmgrid.llm.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Keyword arguments' values in parentheses, so that Jinjava takes the whole value as Jinja2 does.
 */
class Jinja2SyntaxTest {

  @Test
  void valuesInCallsGetParenthesesAndNothingElseChanges() {
    assertThat(
            Jinja2Syntax.rewrite(
                "a=b {%- set ns = namespace(x=true, n=messages|length - 1) %}{{ f(a == b, k = 'x,)' + y, g(z=1)) }}"))
        .isEqualTo(
            "a=b {%- set ns = namespace(x=(true), n=(messages|length - 1)) %}{{ f(a == b, k =( 'x,)' + y), g(z=(1))) }}");
    assertThat(Jinja2Syntax.rewrite("{%- for m in messages[::-1] %}{{ ns.items[::-1] }}"))
        .isEqualTo("{%- for m in (messages|reverse) %}{{ (ns.items|reverse) }}");
    String untouched =
        "{# f(k=1 - 2) #}{% macro m(a, b=1) %}{{ b }}{% endmacro %}{{ 'f(k=1)' }} f(k=1) {% set x = y %}";
    assertThat(Jinja2Syntax.rewrite(untouched)).isEqualTo(untouched);
  }

  @Test
  void aKeywordValueIsTheWholeExpression() throws Exception {
    ChatTemplate t =
        new ChatTemplate(
            "{% set ns = namespace(n=messages|length - 1, s='a' + 'b') %}{{ ns.n }} {{ ns.s }}"
                + "{% for m in messages[::-1] %} {{ m.content }}{% endfor %}",
            ChatTemplateFixturesTest.CLOCK);
    assertThat(
            t.render(
                List.of(
                    new dev.wasmgrid.llm.ChatMessage("user", "x"),
                    new dev.wasmgrid.llm.ChatMessage("user", "y")),
                "",
                "",
                UnaryOperator.identity()))
        .isEqualTo("1 ab y x");
  }
}
