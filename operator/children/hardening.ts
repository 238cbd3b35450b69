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

/**
 * A service pod (docs/operator.md "Sizing"): one built service idles at 167 – 188 MiB resident and
 * reached 298 – 351 MiB under 32 concurrent connections; an exec probe adds 58 MiB while it runs.
 * The request covers the idle working set, the limit the loaded peak plus a probe plus half again.
 */
export const SERVICE_RESOURCES: Resources = { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '640Mi' } };
export const POSTGRES_RESOURCES: Resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };
