/**
 * meta.k8s.io/v1 Table responses, which `kubectl get` asks for: the columns come from the CRD's
 * additionalPrinterColumns, read with the small JSONPath subset they use
 * (`.a.b`, `.a[0]`, `.a[?(@.k=="v")].b`).
 */
import { isObject, type Json, type JsonObject, type KObject } from './objects.ts';
import type { ResourceType } from './resources.ts';

/** Evaluates a printer-column JSONPath; the first match or undefined. */
export function jsonPath(object: Json, path: string): Json | undefined {
  const steps = path.match(/\.[^.[]+|\[\?\(@\.[^=]+=="[^"]*"\)\]|\[\d+\]/gu) ?? [];
  let values: Json[] = [object];
  for (const step of steps) {
    const filter = /^\[\?\(@\.([^=]+)=="([^"]*)"\)\]$/u.exec(step);
    const index = /^\[(\d+)\]$/u.exec(step);
    values = values.flatMap((value): Json[] => {
      if (filter !== null) return Array.isArray(value) ? value.filter((item) => isObject(item) && item[filter[1] ?? ''] === filter[2]) : [];
      if (index !== null) return Array.isArray(value) && value[Number(index[1])] !== undefined ? [value[Number(index[1])] as Json] : [];
      const child = isObject(value) ? value[step.slice(1)] : undefined;
      return child === undefined ? [] : [child];
    });
  }
  return values[0];
}

/** The age format kubectl prints (`45s`, `3m12s`, `5h`, `12d`), as the server renders date cells. */
export function age(timestamp: Json | undefined, now = Date.now()): Json | null {
  if (typeof timestamp !== 'string') return null;
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return `${minutes}m${seconds % 60}s`;
  if (hours < 3) return `${minutes}m`;
  if (hours < 8) return `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

const AGE = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** A Table of objects with the type's printer columns (NAME first, as the server does). */
export function table(type: ResourceType, objects: KObject[], resourceVersion: string): JsonObject {
  const columns = type.columns !== undefined && type.columns.length > 0 ? type.columns : [AGE];
  const definitions = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...columns.map((column) => ({ name: column.name, type: column.type, format: '', description: '', priority: 'priority' in column ? (column.priority ?? 0) : 0 })),
  ];
  const rows = objects.map((object) => ({
    cells: [
      object.metadata.name,
      ...columns.map((column) => {
        if ('cell' in column) return column.cell(object);
        const value = jsonPath(object as unknown as Json, column.jsonPath);
        return column.type === 'date' ? age(value) : (value ?? null);
      }),
    ],
    object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata as unknown as JsonObject },
  }));
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion }, columnDefinitions: definitions, rows };
}
