/**
 * Renders a kind of the table into its CustomResourceDefinition and the YAML file `crds/` holds.
 * The operator and kube-sim read the same objects.
 */
import { stringify } from 'yaml';
import { API_GROUP, API_VERSION, type KindDefinition } from './kinds.ts';

/** The CRD object of one kind (apiextensions.k8s.io/v1). */
export function customResourceDefinition(definition: KindDefinition): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${definition.plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'cryptoutil' },
    },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: [...definition.shortNames],
        categories: ['cryptoutil'],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          // `kubectl scale` and autoscalers go through /scale; the status side counts ready pods.
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.readyReplicas' } },
          additionalPrinterColumns: definition.columns.map((column) => ({ ...column })),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: `${definition.kind} runs one cryptoutil service; the operator reconciles it.`,
              // Kinds with a spec default get it before validation, so only a spec with required fields can be missing.
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: definition.spec,
                status: definition.status,
              },
            },
          },
        },
      ],
    },
  };
}

/** The file name `crds/` uses for a kind. */
export function crdFileName(definition: KindDefinition): string {
  return `${definition.plural}.${API_GROUP}.yaml`;
}

/** The YAML text of a kind's CRD, with a header saying where it comes from. */
export function crdYaml(definition: KindDefinition): string {
  const header = '# Generated from operator/api by `UPDATE_CRDS=1 npx mocha operator/api/crd.test.ts`. Do not edit.\n';
  return header + stringify(customResourceDefinition(definition), { lineWidth: 0 });
}
