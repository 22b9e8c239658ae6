/*
 * Print the exported interfaces of the given TypeScript files as JSON, for
 * tests/test_wire_contract.py: {name: {field: {optional, types}}}.
 *
 * The TypeScript compiler resolves aliases, unions and `extends`; each field's
 * type is flattened into the basic kinds the test compares with the pydantic
 * models: "string", "number", "boolean", "null", "object", "any", string
 * literals (as "'value'"), and "array[...]" and "record[...]" with the kinds of
 * the items or values between the brackets (bare "array" or "record" when
 * those are `unknown`).
 *
 * Usage: node tests/ts_interfaces.js <path to the typescript package> <file.ts>...
 */
'use strict';

const [typescriptPath, ...files] = process.argv.slice(2);
const ts = require(typescriptPath);

const program = ts.createProgram(files, {
  strict: true,
  strictNullChecks: true,
  noEmit: true,
  skipLibCheck: true,
  noResolve: false,
  target: ts.ScriptTarget.ES2018,
  moduleResolution: ts.ModuleResolutionKind.Node10
});
const checker = program.getTypeChecker();

function kinds(type) {
  const parts = type.isUnion() ? type.types : [type];
  const result = new Set();
  for (const part of parts) {
    const flags = part.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) {
      result.add('any');
    } else if (flags & ts.TypeFlags.Undefined) {
      // optionality is reported on its own
    } else if (flags & ts.TypeFlags.Null) {
      result.add('null');
    } else if (part.isStringLiteral()) {
      result.add(`'${part.value}'`);
    } else if (flags & ts.TypeFlags.StringLike) {
      result.add('string');
    } else if (flags & ts.TypeFlags.NumberLike) {
      result.add('number');
    } else if (flags & ts.TypeFlags.BooleanLike) {
      result.add('boolean');
    } else if (checker.isArrayType(part)) {
      result.add(container('array', checker.getTypeArguments(part)[0]));
    } else if (checker.isTupleType(part)) {
      result.add('array');
    } else if (flags & ts.TypeFlags.Object) {
      const index = checker.getIndexInfoOfType(part, ts.IndexKind.String);
      if (index && checker.getPropertiesOfType(part).length === 0) {
        result.add(container('record', index.type));
      } else {
        result.add('object');
      }
    } else {
      result.add(`unknown:${checker.typeToString(part)}`);
    }
  }
  return [...result].sort();
}

function container(name, itemType) {
  const items = kinds(itemType);
  return items.includes('any') ? name : `${name}[${items.join('|')}]`;
}

const interfaces = {};
for (const file of files) {
  const source = program.getSourceFile(file);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    if (!(symbol.flags & ts.SymbolFlags.Interface)) {
      continue;
    }
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    const fields = {};
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration || property.declarations[0];
      fields[property.name] = {
        optional: Boolean(property.flags & ts.SymbolFlags.Optional),
        types: kinds(checker.getTypeOfSymbolAtLocation(property, declaration))
      };
    }
    interfaces[symbol.name] = { file, fields };
  }
}
process.stdout.write(JSON.stringify(interfaces, null, 1));
