/**
 * The part of JSON Schema the node forms use (what zod's toJSONSchema writes for core/pipeline's
 * configs), read into field models: which control to show, and the value a fresh field starts with.
 */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly items?: JsonSchema;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
}

export interface Alternative {
  readonly label: string;
  readonly schema: JsonSchema;
}

export type FieldModel =
  | { readonly kind: 'object'; readonly properties: readonly { key: string; schema: JsonSchema; required: boolean }[] }
  | { readonly kind: 'alternatives'; readonly alternatives: readonly Alternative[]; readonly discriminator: string | null }
  | { readonly kind: 'choice'; readonly options: readonly unknown[] }
  | { readonly kind: 'number'; readonly integer: boolean; readonly min: number | null; readonly max: number | null }
  | { readonly kind: 'list'; readonly integer: boolean }
  | { readonly kind: 'text' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'fixed'; readonly value: unknown }
  /** Free-form (a record of timm arguments): edited as JSON text. */
  | { readonly kind: 'json' };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? (schema.type as string[])[0] : (schema.type as string | undefined);
}

function variantsOf(schema: JsonSchema): readonly JsonSchema[] | undefined {
  return schema.oneOf ?? schema.anyOf;
}

/** The property whose `const` tells the object variants apart (source, kind, deviceKind). */
function discriminatorOf(variants: readonly JsonSchema[]): string | null {
  const first = variants[0]?.properties;
  if (first === undefined) return null;
  for (const key of Object.keys(first)) {
    if (variants.every((variant) => variant.properties?.[key]?.const !== undefined)) return key;
  }
  return null;
}

function alternativeLabel(schema: JsonSchema, discriminator: string | null): string {
  if (discriminator !== null) return String(schema.properties?.[discriminator]?.const);
  if (schema.const !== undefined) return String(schema.const);
  const type = typeOf(schema);
  if (type === 'object') return (schema.required ?? Object.keys(schema.properties ?? {})).join(' + ') || 'object';
  return type === 'integer' || type === 'number' ? 'number' : (type ?? 'value');
}

export function describeField(schema: JsonSchema): FieldModel {
  const variants = variantsOf(schema);
  if (variants !== undefined) {
    if (variants.every((variant) => variant.const !== undefined)) return { kind: 'choice', options: variants.map((variant) => variant.const) };
    const discriminator = variants.every((variant) => typeOf(variant) === 'object') ? discriminatorOf(variants) : null;
    return { kind: 'alternatives', discriminator, alternatives: variants.map((variant) => ({ label: alternativeLabel(variant, discriminator), schema: variant })) };
  }
  if (schema.const !== undefined) return { kind: 'fixed', value: schema.const };
  if (schema.enum !== undefined) return { kind: 'choice', options: schema.enum };
  const type = typeOf(schema);
  if (type === 'object') {
    if (schema.properties === undefined) return { kind: 'json' };
    const required = new Set(schema.required ?? []);
    return { kind: 'object', properties: Object.entries(schema.properties).map(([key, inner]) => ({ key, schema: inner, required: required.has(key) })) };
  }
  if (type === 'array') {
    const itemType = schema.items === undefined ? undefined : typeOf(schema.items);
    return itemType === 'integer' || itemType === 'number' ? { kind: 'list', integer: itemType === 'integer' } : { kind: 'json' };
  }
  if (type === 'integer' || type === 'number') {
    const min = schema.minimum ?? schema.exclusiveMinimum ?? null;
    const max = schema.maximum ?? schema.exclusiveMaximum ?? null;
    return { kind: 'number', integer: type === 'integer', min, max: max !== null && max > 1e12 ? null : max };
  }
  if (type === 'boolean') return { kind: 'boolean' };
  if (type === 'string') return { kind: 'text' };
  return { kind: 'json' };
}

/** Does a value fit a schema well enough to pick it among alternatives? */
export function matchesSchema(schema: JsonSchema, value: unknown): boolean {
  if (schema.const !== undefined) return value === schema.const;
  if (schema.enum !== undefined) return schema.enum.includes(value);
  const variants = variantsOf(schema);
  if (variants !== undefined) return variants.some((variant) => matchesSchema(variant, value));
  switch (typeOf(schema)) {
    case 'object': {
      if (!isPlainObject(value)) return false;
      const properties = schema.properties ?? {};
      const constsFit = Object.entries(properties).every(([key, inner]) => inner.const === undefined || value[key] === inner.const);
      const requiredPresent = (schema.required ?? []).every((key) => value[key] !== undefined);
      return constsFit && requiredPresent;
    }
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/** The value a field starts with when the user turns it on or picks an alternative. */
export function initialValue(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return structuredClone(schema.default);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined) return schema.enum[0];
  const variants = variantsOf(schema);
  if (variants !== undefined) return variants[0] === undefined ? null : initialValue(variants[0]);
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) {
        const inner = schema.properties?.[key];
        if (inner !== undefined) out[key] = initialValue(inner);
      }
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum === undefined ? 0 : schema.exclusiveMinimum + (typeOf(schema) === 'integer' ? 1 : 0.001));
    case 'boolean':
      return false;
    case 'string':
      return '';
    default:
      return null;
  }
}

export type FieldPath = readonly (string | number)[];

/** A copy of `root` with the value at `path` replaced; undefined removes it from its object. */
export function setIn(root: unknown, path: FieldPath, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const list = Array.isArray(root) ? [...(root as unknown[])] : [];
    list[head] = setIn(list[head], rest, value);
    return list;
  }
  const object: Record<string, unknown> = isPlainObject(root) ? { ...root } : {};
  const inner = setIn(object[head], rest, value);
  if (inner === undefined) delete object[head];
  else object[head] = inner;
  return object;
}

export function getIn(root: unknown, path: FieldPath): unknown {
  let current = root;
  for (const part of path) {
    if (typeof part === 'number') current = Array.isArray(current) ? (current as unknown[])[part] : undefined;
    else current = isPlainObject(current) ? current[part] : undefined;
  }
  return current;
}

/** 'spvit.epochs' for the path ['spvit', 'epochs'], as validation issues name fields after 'config.'. */
export function pathKey(path: FieldPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}
