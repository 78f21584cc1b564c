<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api;

/**
 * Lists the fulfillment outbox (shipment and track changes, orders canceled) after a cursor, oldest first.
 *
 * @api
 */
interface FulfillmentOutboxInterface
{
    /**
     * Entries whose entry_id is greater than $after, at most $pageSize (1-500) of them.
     *
     * @param int $after the last entry_id the caller has processed (0: from the start)
     * @param int $pageSize
     * @return \SalesChannel\Reservations\Api\Data\OutboxPageInterface
     * @throws \Magento\Framework\Exception\InputException
     */
    public function getList(int $after = 0, int $pageSize = 100): \SalesChannel\Reservations\Api\Data\OutboxPageInterface;
}
