<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api\Data;

/**
 * @api
 */
interface OutboxPageInterface
{
    public const ENTRIES = 'entries';
    public const LAST_ENTRY_ID = 'last_entry_id';

    /**
     * @return \SalesChannel\Reservations\Api\Data\OutboxEntryInterface[]
     */
    public function getEntries(): array;

    /**
     * The greatest entry_id in the outbox when the page was read (0 when empty).
     *
     * @return int
     */
    public function getLastEntryId(): int;
}
