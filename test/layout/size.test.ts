// Rooms a reader can hold (issue 23): no src file over 400 lines and no function over 80 (the hand-written .wat
// kernels are not TypeScript and are not counted). A function is measured as fnall does: from the line its body
// opens to the line it closes, for declarations, methods, constructors, accessors, arrows and function expressions.
// A failure lists every offender with its size.
import assert from "node:assert/strict";
import { test } from "node:test";
import ts from "typescript";
import { lineOf, type SourceFile, sourceFiles } from "./sourceFiles.js";

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

/** Lines of a file (a final newline ends the last line; it does not start another). */
function lineCount(text: string): number {
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}

type FunctionNode =
  | ts.FunctionDeclaration
  | ts.MethodDeclaration
  | ts.ArrowFunction
  | ts.FunctionExpression
  | ts.ConstructorDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration;

function isFunction(n: ts.Node): n is FunctionNode {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isArrowFunction(n) ||
    ts.isFunctionExpression(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessor(n) ||
    ts.isSetAccessor(n)
  );
}

function functionName(n: FunctionNode): string {
  if (n.name !== undefined) return n.name.getText();
  if (ts.isVariableDeclaration(n.parent)) return n.parent.name.getText();
  return "<anonymous>";
}

/** Every function of a file with its first line, name and length in lines. */
function functionsOf(file: SourceFile): { line: number; name: string; lines: number }[] {
  const out: { line: number; name: string; lines: number }[] = [];
  const visit = (n: ts.Node): void => {
    if (isFunction(n) && n.body !== undefined) {
      const first = lineOf(file, n.body.getStart());
      const last = lineOf(file, n.body.getEnd());
      out.push({ line: first, name: functionName(n), lines: last - first + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(file.tree);
  return out;
}

const files = sourceFiles("src");

test(`no src file is over ${MAX_FILE_LINES} lines`, () => {
  const big = files
    .map((f) => ({ rel: f.rel, lines: lineCount(f.text) }))
    .filter((f) => f.lines > MAX_FILE_LINES)
    .map((f) => `${f.rel}: ${f.lines} lines`);
  assert.deepEqual(big, [], `files over ${MAX_FILE_LINES} lines:\n  ${big.join("\n  ")}`);
});

test(`no src function is over ${MAX_FUNCTION_LINES} lines`, () => {
  const long = files.flatMap((f) =>
    functionsOf(f)
      .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
      .map((fn) => `${f.rel}:${fn.line} ${fn.name}: ${fn.lines} lines`),
  );
  assert.ok(
    files.some((f) => functionsOf(f).length > 0),
    "the parser finds functions",
  );
  assert.deepEqual(long, [], `functions over ${MAX_FUNCTION_LINES} lines:\n  ${long.join("\n  ")}`);
});
