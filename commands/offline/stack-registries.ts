import { SECRET_KEYS, parseStackConfig } from "../../stacks/config";
import { allowedRegistries } from "../../components/security/registries";
import { loadStackFile } from "./stack-files";

/**
 * The registry patterns a stack allows (the platform's sources and its `security.allowedRegistries`,
 * with `--set` overrides applied), as Kyverno gets them: what the
 * image inventory judges images by and what the policy pack's config carries.
 */
export function stackAllowedRegistries(stack: string, overrides: string[] = []): string[] {
    const config = parseStackConfig(loadStackFile(stack, overrides).raw, new Set(SECRET_KEYS));
    return allowedRegistries(config.security.allowedRegistries);
}
