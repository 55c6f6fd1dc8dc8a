import { Module } from '@nestjs/common';
import { RecipeReplayController } from './recipe-replay.controller';
import { RecipesController } from './recipes.controller';

@Module({ controllers: [RecipesController, RecipeReplayController] })
export class RecipesApiModule {}
