<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api\Data;

/**
 * @api
 */
interface ResultInterface
{
    public const APPLIED = 'applied';

    /**
     * True: the command's reservations are in MSI (appended now, or by an earlier call with the
     * same key, in which case nothing was appended again). False: the command holds no quantity.
     *
     * @return bool
     */
    public function getApplied(): bool;

    /**
     * @param bool $applied
     * @return $this
     */
    public function setApplied(bool $applied): self;
}
