import { ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors } from '@junction/platform/ports';
import { Problems } from './problem';

/** DTO validation for HTTP input: unknown fields rejected, every bad field listed in the problem. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => Problems.validation(flattenValidationErrors(errors)),
  });
}
