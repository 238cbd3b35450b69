/**
 * The Pod Security Standards "restricted" profile, applied to every container the operator runs:
 * non-root, read-only root file system, no privilege escalation, no capabilities, RuntimeDefault seccomp.
 */

/** Non-root UID of the distroless `nonroot` user the image runs as. */
export const APP_UID = 65532;

/** Pod-level settings; fsGroup makes mounted Secrets and volumes readable by the non-root user. */
export function podSecurityContext(uid: number): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level settings of the restricted profile. */
export const CONTAINER_SECURITY_CONTEXT: Readonly<Record<string, unknown>> = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Requests size the scheduler's bin packing; limits bound a runaway process. */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export const SERVICE_RESOURCES: Resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } };
export const POSTGRES_RESOURCES: Resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };
