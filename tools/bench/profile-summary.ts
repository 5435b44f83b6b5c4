/**
 * Where a `node --cpu-prof` profile's time went: self time by package (the
 * project's own folders separately) and the heaviest functions, plus the time
 * spent formatting stack traces and loading modules, inclusive of callees.
 */

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
}

export interface CpuProfile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
}

/** Functions whose inclusive time is worth knowing on this program's path. */
const INCLUSIVE = [
    { label: "stack formatting (Error.prepareStackTrace)", match: (f: ProfileNode["callFrame"]) => /prepareStackTrace/.test(f.functionName) },
    { label: "module loading (Module._load)", match: (f: ProfileNode["callFrame"]) => f.functionName === "Module._load" },
];

function owner(url: string, root: string): string {
    if (!url) return "(V8: GC, compiler, idle, native)";
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (pkg) return pkg[1];
    if (url.startsWith("node:")) return "(Node.js internals)";
    const file = url.replace(/^file:\/\//, "");
    return file.startsWith(root) ? `${file.slice(root.length + 1).split("/")[0]}/ (project)` : file;
}

export function summarizeProfile(profile: CpuProfile, root: string, top = 15): string {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

    const total = [...self.values()].reduce((a, b) => a + b, 0);
    const byOwner = new Map<string, number>();
    const byFunction = new Map<string, number>();
    const inclusive = INCLUSIVE.map(() => 0);
    for (const [id, ms] of self) {
        const frame = nodes.get(id)!.callFrame;
        const who = owner(frame.url, root);
        byOwner.set(who, (byOwner.get(who) ?? 0) + ms);
        const fn = `${frame.functionName || "(anonymous)"} ${frame.url ? `${frame.url.replace(/.*node_modules\//, "")}:${frame.lineNumber + 1}` : ""}`;
        byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
        INCLUSIVE.forEach((pattern, k) => {
            for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
                if (pattern.match(nodes.get(cur)!.callFrame)) {
                    inclusive[k] += ms;
                    break;
                }
            }
        });
    }
    const list = (m: Map<string, number>) =>
        [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${v.toFixed(0).padStart(7)} ms  ${k}`).join("\n");
    return [
        `profile: ${total.toFixed(0)} ms sampled`,
        ...INCLUSIVE.map((p, k) => `${inclusive[k].toFixed(0).padStart(7)} ms  ${p.label}, inclusive`),
        "self time by package:",
        list(byOwner),
        "self time by function:",
        list(byFunction),
    ].join("\n");
}
