<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model;

use Magento\Framework\App\ResourceConnection;
use Magento\Framework\Exception\InputException;
use SalesChannel\Reservations\Api\Data\OutboxEntryInterface;
use SalesChannel\Reservations\Api\Data\OutboxEntryInterfaceFactory;
use SalesChannel\Reservations\Api\Data\OutboxPageInterface;
use SalesChannel\Reservations\Api\Data\OutboxPageInterfaceFactory;
use SalesChannel\Reservations\Api\FulfillmentOutboxInterface;
use SalesChannel\Reservations\Model\Fulfillment\OutboxWriter;

/**
 * Reads the outbox after a cursor. Rows are only ever appended (auto-increment entry_id), so a
 * reader that remembers the last entry_id it published misses nothing and may safely re-read.
 */
class FulfillmentOutbox implements FulfillmentOutboxInterface
{
    private const MAX_PAGE = 500;

    public function __construct(
        private readonly ResourceConnection $resource,
        private readonly OutboxEntryInterfaceFactory $entryFactory,
        private readonly OutboxPageInterfaceFactory $pageFactory
    ) {
    }

    public function getList(int $after = 0, int $pageSize = 100): OutboxPageInterface
    {
        if ($after < 0) {
            throw new InputException(__('after must be 0 or a previous entry_id.'));
        }
        if ($pageSize < 1 || $pageSize > self::MAX_PAGE) {
            throw new InputException(__('pageSize must be 1 to %1.', self::MAX_PAGE));
        }
        $connection = $this->resource->getConnection('sales');
        $table = $this->resource->getTableName(OutboxWriter::TABLE, 'sales');
        $last = (int)$connection->fetchOne($connection->select()->from($table, ['MAX(entry_id)']));
        $rows = $connection->fetchAll(
            $connection->select()
                ->from($table)
                ->where('entry_id > ?', $after)
                ->order('entry_id ASC')
                ->limit($pageSize)
        );
        $entries = [];
        foreach ($rows as $row) {
            $entries[] = $this->entryFactory->create(['data' => [
                OutboxEntryInterface::ENTRY_ID => (int)$row['entry_id'],
                OutboxEntryInterface::EVENT => (string)$row['event'],
                OutboxEntryInterface::SHIPMENT_ID => (int)$row['shipment_id'],
                OutboxEntryInterface::ORDER_ID => (int)$row['order_id'],
                OutboxEntryInterface::PAYLOAD => (string)$row['payload'],
                OutboxEntryInterface::CREATED_AT => (string)$row['created_at'],
            ]]);
        }
        return $this->pageFactory->create(['data' => [
            OutboxPageInterface::ENTRIES => $entries,
            OutboxPageInterface::LAST_ENTRY_ID => $last,
        ]]);
    }
}
