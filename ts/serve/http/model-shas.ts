/**
 * Which sha256s are model files of registered versions, so `GET
 * /v1/artifacts/{sha256}` serves those and nothing else in the artifact
 * store (evaluation predictions hold texts; profiles and reports are not
 * the browser's business). Rebuilt only when the registry's change token
 * moves, so a request costs one pragma and a set lookup.
 * @module
 */
import type { Registry } from '../../registry/index.js';

export class ModelShas {
  private token: string | null = null;
  private shas = new Map<string, { model: string; version: number }>();

  constructor(private readonly registry: Registry) {}

  /** The first version registered with this model file, or null when no version has it. */
  async lookup(sha256: string): Promise<{ model: string; version: number } | null> {
    const token = await this.registry.changeToken();
    if (token !== this.token) {
      const next = new Map<string, { model: string; version: number }>();
      for (const m of await this.registry.listModels()) {
        for (const v of await this.registry.listVersions(m.name)) {
          if (!next.has(v.modelSha256)) {
            next.set(v.modelSha256, { model: v.model, version: v.version });
          }
        }
      }
      this.shas = next;
      this.token = token;
    }
    return this.shas.get(sha256) ?? null;
  }
}
