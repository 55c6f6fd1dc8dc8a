import { randomBytes } from 'node:crypto';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ProblemException } from '@junction/platform/http';
import { PublicRoute } from '../auth/public-route';
import { CACHE_IMMUTABLE, CACHE_REVALIDATE, CONSOLE_HEADERS, consoleCsp, withStyleNonce } from './console-headers';
import { ConsoleFiles, type ConsoleFile } from './console-files';

const PREFIX = '/console/';
// a path that names a file (an extension, or under assets/) is a 404 when missing, not the app
const LOOKS_LIKE_FILE = /(^assets\/)|(\.[A-Za-z0-9]+$)/;

/**
 * The web console's static files at `/console`, with the SPA fallback: any other path under it
 * is a client-side route and gets index.html. Public: the files hold no data; every API call the
 * console makes carries the user's key and is checked like any other.
 */
@ApiExcludeController()
@PublicRoute()
@Controller('console')
export class ConsoleController {
  constructor(@Inject(ConsoleFiles) private readonly files: ConsoleFiles) {}

  @Get()
  index(@Res() res: Response): void {
    this.send(res, this.files.index);
  }

  // `{*path}`: /console/ and everything under it
  @Get('{*path}')
  file(@Req() req: Request, @Res() res: Response): void {
    const path = req.path.startsWith(PREFIX) ? req.path.slice(PREFIX.length) : '';
    const found = this.files.file(path);
    this.send(res, found ?? (LOOKS_LIKE_FILE.test(path) ? undefined : this.files.index));
  }

  private send(res: Response, file: ConsoleFile | undefined): void {
    res.set(CONSOLE_HEADERS);
    if (!file) {
      res.set('Content-Security-Policy', consoleCsp());
      const detail = this.files.available ? 'No such file in the console.' : 'The console is not built on this server (npm run build, or set CONSOLE_DIR).';
      throw new ProblemException('not-found', 'Not found', 404, { detail });
    }
    res.status(200).set({ 'Content-Type': file.contentType, 'Cache-Control': file.immutable ? CACHE_IMMUTABLE : CACHE_REVALIDATE });
    if (file !== this.files.index) {
      res.set('Content-Security-Policy', consoleCsp());
      res.send(file.body);
      return;
    }
    // a fresh nonce for each page load: only the editor's own <style> element may apply
    const nonce = randomBytes(16).toString('base64');
    res.set('Content-Security-Policy', consoleCsp(nonce));
    res.send(withStyleNonce(file.body.toString('utf8'), nonce));
  }
}
