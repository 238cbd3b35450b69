/**
 * Whether a Deployment has rolled out its current spec, read from its status the way
 * `kubectl rollout status` reads it: the controller saw the latest generation, every replica runs the
 * new template and is available, no old pod is left, and the progress deadline has not passed.
 */
import type { KubeObject } from '../resources/types.ts';

/** What the Deployment's status says about the rollout. */
export interface Rollout {
  readonly readyReplicas: number;
  /** The current generation is rolled out to `desired` available replicas and no old pod is left. */
  readonly rolledOut: boolean;
  /** The controller's message when Progressing is False with ProgressDeadlineExceeded. */
  readonly stalled?: string;
}

interface DeploymentStatus {
  readonly observedGeneration?: number;
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly conditions?: readonly { readonly type?: string; readonly status?: string; readonly reason?: string; readonly message?: string }[];
}

/** The rollout of `deployment` (absent: nothing runs yet) towards `desired` replicas. */
export function deploymentRollout(deployment: KubeObject | undefined, desired: number): Rollout {
  const status = (deployment?.status ?? {}) as DeploymentStatus;
  const readyReplicas = status.readyReplicas ?? 0;
  const current = deployment !== undefined && (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 1);
  const deadline = status.conditions?.find((condition) => condition.type === 'Progressing' && condition.status === 'False' && condition.reason === 'ProgressDeadlineExceeded');
  const rolledOut = current && status.updatedReplicas === desired && status.replicas === desired && (status.availableReplicas ?? 0) >= desired;
  if (current && deadline !== undefined) {
    return { readyReplicas, rolledOut: false, stalled: deadline.message ?? 'ProgressDeadlineExceeded' };
  }
  return { readyReplicas, rolledOut };
}
