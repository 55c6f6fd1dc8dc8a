import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Recipe } from '@junction/executor/contracts';
import { RecipeRepository } from '@junction/executor/data-access';

const MAX_CACHED = 2000;

/**
 * Parsed recipe versions, one object per version: versions never change, and the engine caches
 * its compiled form per recipe object, so every job of a version shares one compilation.
 */
@Injectable()
export class RecipeCatalog {
  private readonly versions = new Map<string, Promise<Recipe | undefined>>();

  constructor(private readonly dataSource: DataSource) {}

  get(recipeId: string, version: number): Promise<Recipe | undefined> {
    const key = `${recipeId}@${version}`;
    let found = this.versions.get(key);
    if (!found) {
      found = new RecipeRepository(this.dataSource.manager).definition(recipeId, version).then((d) => d as Recipe | undefined);
      found.then((r) => r ?? this.versions.delete(key)).catch(() => this.versions.delete(key));
      if (this.versions.size >= MAX_CACHED) this.versions.delete(this.versions.keys().next().value as string);
      this.versions.set(key, found);
    }
    return found;
  }
}
