export { type Expr, fieldsOf, type Literal, WhereError } from "./ast.js";
export { evaluateWhere, type FieldLookup } from "./evaluate.js";
export {
  canonicalField,
  type FieldRef,
  type FieldUnit,
  fieldUnit,
  knownFields,
  listKind,
  RUN_FIELDS,
  type RunField,
  resolveField,
  UnknownFieldError,
} from "./fields.js";
export { chanceTop1, outcomeTop1 } from "./outcome.js";
export { parseWhere } from "./parse.js";
export { type SqlFragment, whereToSql } from "./toSql.js";
