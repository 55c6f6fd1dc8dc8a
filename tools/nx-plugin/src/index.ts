export * from './generators/connector/generator';
