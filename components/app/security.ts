import * as k8s from "@pulumi/kubernetes";
import { USERS } from "./layout";

type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;

/**
 * Pod level: non-root defaults that injected containers and `kubectl debug`
 * ephemeral containers inherit (a root-by-default debug image runs as the app user).
 */
export function restrictedPodSecurityContext(): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: USERS.app,
        runAsGroup: USERS.group,
        fsGroup: USERS.group,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Every container we define: its own non-root user, read-only root, no capabilities, no escalation. */
export function restrictedContainerSecurityContext(runAsUser: number): SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup: USERS.group,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}
