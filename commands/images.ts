/**
 * Image inventory: every image the stack's program names, and every Helm release
 * with its pinned chart and values, from an offline evaluation of the real program
 * (the same harness as `npm run plan`).
 *
 *   npm run images -- --stack dev|prod [--set key.path=value ...] [--json FILE] [--values-dir DIR]
 *
 * --json writes the inventory (the CI CVE gate scans every image in it);
 * --values-dir writes each release's values to <dir>/<release resource>.values.json and
 * <dir>/releases.json, so CI can `helm template` each chart with the same values and
 * scan the images the charts render.
 * Exit code 1 when an image is unpinned, `latest` in prod, or from a registry that is not allowed.
 */
import * as fs from "fs";
import * as path from "path";
import { parseStackCommand, runCommand, runIfMain } from "./command-line";
import { evaluateStack } from "./offline/evaluate-stack";
import { ImageInventory, ReleaseValuesEntry, buildInventory, renderInventory } from "./offline/image-inventory";
import { stackAllowedRegistries } from "./offline/stack-registries";

interface ImagesArgs {
    stack: string;
    overrides: string[];
    json?: string;
    valuesDir?: string;
}

const USAGE = "usage: npm run images -- --stack <dev|prod> [--set key.path=value ...] [--json FILE] [--values-dir DIR]";

export function parseImagesArgs(argv: string[]): ImagesArgs {
    const { stack, overrides, json, flags } = parseStackCommand(argv, { "--values-dir": "value" } as const);
    return { stack, overrides, json, valuesDir: flags["--values-dir"] };
}

/** The inventory of a stack, from the real program evaluated offline (with realistic provider outputs, so values render). */
export async function stackInventory(stack: string, overrides: string[] = []): Promise<ImageInventory> {
    const evaluation = await evaluateStack(stack, { overrides, placeholderSecrets: true });
    return buildInventory(evaluation, stack, stackAllowedRegistries(stack, overrides));
}

/** Writes <dir>/<resource>.values.json per release and <dir>/releases.json (chart, version, repository, namespace, values file). */
export function writeReleaseValues(inventory: ImageInventory, dir: string): string[] {
    fs.mkdirSync(dir, { recursive: true });
    const index = inventory.releases.map((r) => {
        const valuesFile = `${r.resource}.values.json`;
        fs.writeFileSync(path.join(dir, valuesFile), `${JSON.stringify(r.values, null, 2)}\n`);
        const entry: ReleaseValuesEntry = { cluster: r.cluster, resource: r.resource, release: r.release, namespace: r.namespace, chart: r.chart, version: r.version, repository: r.repository, kubernetesVersion: r.kubernetesVersion, valuesFile };
        return entry;
    });
    fs.writeFileSync(path.join(dir, "releases.json"), `${JSON.stringify(index, null, 2)}\n`);
    return index.map((r) => r.valuesFile);
}

async function run(args: ImagesArgs): Promise<number> {
    const inventory = await stackInventory(args.stack, args.overrides);
    console.log(renderInventory(inventory));
    if (args.json) {
        fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
        fs.writeFileSync(args.json, `${JSON.stringify(inventory, null, 2)}\n`);
        console.log(`\nWrote ${inventory.images.length} images and ${inventory.releases.length} releases to ${args.json}`);
    }
    if (args.valuesDir) {
        const files = writeReleaseValues(inventory, args.valuesDir);
        console.log(`Wrote ${files.length} values files and releases.json to ${args.valuesDir}`);
    }
    const refused = inventory.images.filter((i) => i.problems.length > 0);
    if (refused.length) {
        console.error(`\n${refused.length} image(s) refused:\n${refused.map((i) => `  ${i.image}: ${i.problems.join("; ")}`).join("\n")}`);
        return 1;
    }
    return 0;
}

runIfMain(module, () => runCommand({ usage: USAGE, parse: parseImagesArgs, run }, process.argv.slice(2)));
