<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model\Data;

use Magento\Framework\Api\AbstractSimpleObject;
use SalesChannel\Reservations\Api\Data\OutboxPageInterface;

class OutboxPage extends AbstractSimpleObject implements OutboxPageInterface
{
    public function getEntries(): array
    {
        return (array)($this->_get(self::ENTRIES) ?? []);
    }

    public function getLastEntryId(): int
    {
        return (int)$this->_get(self::LAST_ENTRY_ID);
    }
}
