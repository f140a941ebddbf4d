package dev.wasmgrid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The checks of deploy/k8s's token, NetworkPolicy and PodDisruptionBudget against the Deployments
 * they govern: what a cluster would do with them, read from the files.
 */
final class KubernetesPolicies {
  private static final String COORDINATOR = "wasmgrid-coordinator";
  private static final String WORKER = "wasmgrid-worker";

  private KubernetesPolicies() {}

  static void check(Map<String, JsonNode> deployments, List<JsonNode> policies) {
    JsonNode coordinator = deployments.get(COORDINATOR);
    JsonNode worker = deployments.get(WORKER);
    // One grid shares one token: both take it from the same key of the same Secret.
    assertThat(tokenSource(coordinator)).isEqualTo(tokenSource(worker)).isNotEmpty();

    List<JsonNode> budgets = ofKind(policies, "PodDisruptionBudget");
    assertThat(budgets).hasSize(1);
    JsonNode budget = budgets.getFirst().path("spec");
    assertThat(selectedBy(budget.path("selector"), deployments))
        .as("the budget covers the workers only")
        .containsExactly(WORKER);
    assertThat(budget.path("maxUnavailable").asInt())
        .as("a drain evicts one worker at a time")
        .isEqualTo(1);

    List<JsonNode> networkPolicies = ofKind(policies, "NetworkPolicy");
    assertThat(networkPolicies).hasSize(1);
    JsonNode policy = networkPolicies.getFirst().path("spec");
    assertThat(selectedBy(policy.path("podSelector"), deployments)).containsExactly(WORKER);
    assertThat(DeployFilesTest.strings(policy.path("policyTypes"))).containsExactly("Ingress");
    JsonNode rules = policy.path("ingress");
    assertThat(rules.size()).as("ingress rules").isEqualTo(1);
    for (JsonNode from : rules.get(0).path("from")) {
      assertThat(selectedBy(from.path("podSelector"), deployments))
          .as("only the coordinator may reach the workers")
          .containsExactly(COORDINATOR);
    }
    JsonNode container = DeployFilesTest.onlyContainer(worker);
    int listening = container.path("ports").get(0).path("containerPort").asInt();
    for (JsonNode port : rules.get(0).path("ports")) {
      assertThat(DeployFilesTest.containerPort(container, port.path("port")))
          .as("the policy opens the port the workers listen on")
          .isEqualTo(listening);
    }
  }

  /** The Secret and key {@code WASMGRID_TOKEN} comes from, or an empty string. */
  private static String tokenSource(JsonNode deployment) {
    for (JsonNode variable : DeployFilesTest.onlyContainer(deployment).path("env")) {
      if (variable.path("name").asText().equals("WASMGRID_TOKEN")) {
        JsonNode ref = variable.path("valueFrom").path("secretKeyRef");
        assertThat(ref.isMissingNode())
            .as("%s: the token comes from a Secret, not the manifest", deployment.path("metadata"))
            .isFalse();
        return ref.path("name").asText() + "/" + ref.path("key").asText();
      }
    }
    return "";
  }

  private static List<JsonNode> ofKind(List<JsonNode> manifests, String kind) {
    return manifests.stream().filter(m -> m.path("kind").asText().equals(kind)).toList();
  }

  private static List<String> selectedBy(JsonNode selector, Map<String, JsonNode> deployments) {
    return deployments.keySet().stream()
        .filter(
            d -> DeployFilesTest.selects(selector, DeployFilesTest.podLabels(deployments.get(d))))
        .sorted()
        .toList();
  }
}
