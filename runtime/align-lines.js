// Puts each line of TypeScript's JavaScript output back on the line it came
// from, so stack traces name the .ts file and the right line without source
// maps (and without source-map-support rewriting every stack Pulumi captures).
//
// TypeScript's output drifts from the source: it adds helper and export lines at
// the top, drops interfaces, types and type-only imports, and sometimes joins a
// multi-line expression. Using its own source map, every output line that maps
// to a source line is moved down to it with blank lines, or joined onto the line
// before when the output runs ahead. Only line breaks between tokens move: the
// breaks inside string and template literals stay, so the code means the same
// (TypeScript ends every statement with a semicolon, so joining lines never
// changes how automatic semicolon insertion reads it; comments are stripped).
"use strict";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** For each generated line, the 0-based source line of its first mapped segment, or -1. */
function firstSourceLines(mappings) {
    const lines = [];
    let sourceLine = 0;
    for (const line of mappings.split(";")) {
        let first = -1;
        for (const segment of line.split(",")) {
            if (!segment) continue;
            const fields = [];
            let value = 0;
            let shift = 0;
            for (const c of segment) {
                const digit = DIGIT.get(c);
                value += (digit & 31) << shift;
                if (digit & 32) {
                    shift += 5;
                } else {
                    fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
                    value = 0;
                    shift = 0;
                }
            }
            // [column, source, line, column(, name)]: the source line is a delta across the whole map.
            if (fields.length >= 4) {
                sourceLine += fields[2];
                if (first < 0) first = sourceLine;
            }
        }
        lines.push(first);
    }
    return lines;
}

/**
 * Keeps the targets that form the longest non-decreasing run through the file and
 * drops (-1) the rest. TypeScript emits a few lines out of order: `exports.f = f;`
 * for every exported function at the top, `exports.C = C;` after each class; both
 * map to the declaration. Moving by them would drag everything between along.
 */
function inOrder(targets) {
    const tails = []; // tails[k]: index of the smallest last target of a run of length k + 1
    const previous = new Array(targets.length).fill(-1);
    targets.forEach((target, i) => {
        if (target < 0) return;
        let low = 0;
        let high = tails.length;
        while (low < high) {
            const middle = (low + high) >> 1;
            if (targets[tails[middle]] <= target) low = middle + 1;
            else high = middle;
        }
        previous[i] = low > 0 ? tails[low - 1] : -1;
        tails[low] = i;
    });
    const kept = new Array(targets.length).fill(-1);
    for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = previous[i]) kept[i] = targets[i];
    return kept;
}

/** [start, end) offsets of the literals in `code` whose line breaks belong to a value. */
function literalRanges(ts, code) {
    const file = ts.createSourceFile("output.js", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
    const ranges = [];
    const visit = (node) => {
        switch (node.kind) {
            case ts.SyntaxKind.StringLiteral:
            case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
            case ts.SyntaxKind.TemplateHead:
            case ts.SyntaxKind.TemplateMiddle:
            case ts.SyntaxKind.TemplateTail:
                ranges.push([node.getStart(file), node.end]);
                return;
            default:
                ts.forEachChild(node, visit);
        }
    };
    visit(file);
    return ranges;
}

/**
 * `code` with its lines moved to their source lines. `sourceMap` is the JSON
 * TypeScript emitted with it; `code` must have been emitted with `removeComments`.
 */
function alignLines(ts, code, sourceMap) {
    const targets = inOrder(firstSourceLines(JSON.parse(sourceMap).mappings));
    const lines = code.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, "").split("\n");
    // Literal ranges come in document order and do not overlap: one sweep finds the breaks inside them.
    const ranges = literalRanges(ts, code);
    let next = 0;
    const insideLiteral = (offset) => {
        while (next < ranges.length && ranges[next][1] <= offset) next += 1;
        return next < ranges.length && ranges[next][0] < offset;
    };

    let out = "";
    let current = 0;
    let offset = 0;
    lines.forEach((line, i) => {
        const target = targets[i] ?? -1;
        if (i > 0 && insideLiteral(offset - 1)) {
            out += "\n";
            current += 1;
        } else if (target > current) {
            out += "\n".repeat(target - current);
            current = target;
        } else if (i > 0) {
            out += " ";
        }
        out += line;
        offset += line.length + 1;
    });
    return out;
}

module.exports = { alignLines };
