export { type Expr, fieldsOf, type Literal, WhereError } from "./ast.js";
export { evaluateWhere, type FieldLookup } from "./evaluate.js";
export { canonicalField, type FieldRef, knownFields, listKind, resolveField, UnknownFieldError } from "./fields.js";
export { parseWhere } from "./parse.js";
export { type SqlFragment, whereToSql } from "./toSql.js";
